variable "name" {
  type        = string
  description = "Name of the endpoint: the Lambda function, its log group, role, API and repository are named after it."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,47}$", var.name))
    error_message = "name must start with a letter and hold at most 48 letters, digits or hyphens."
  }
}

variable "package_type" {
  type        = string
  description = "How the function's code is deployed: \"Zip\" (function zip from `modelgate package`) or \"Image\" (container image from the modelgate Dockerfile, pushed to the module's ECR repository)."
  default     = "Zip"

  validation {
    condition     = contains(["Zip", "Image"], var.package_type)
    error_message = "package_type must be \"Zip\" or \"Image\"."
  }
}

variable "architecture" {
  type        = string
  description = "Lambda architecture: \"x86_64\" or \"arm64\" (Graviton); package or build the code for the same one."
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be \"x86_64\" or \"arm64\"."
  }
}

variable "function_zip" {
  type        = string
  description = "Path to function-<arch>.zip written by `modelgate package` (package_type \"Zip\")."
  default     = null
}

variable "layer_zip" {
  type        = string
  description = "Path to layer-<arch>.zip written by `modelgate package`; set it when the function zip was packaged with --use-layer. The module publishes it as a layer and attaches it."
  default     = null
}

variable "image_tag" {
  type        = string
  description = "Tag of the image in the module's ECR repository that the function runs (package_type \"Image\"). Tags are immutable: push each build under a new tag."
  default     = null
}

variable "model_file" {
  type        = string
  description = "Path to a model file to upload to the bucket, under models/<name>/<sha256>.onnx. Leave null to use model_key and model_sha256 for a model already in the bucket (for example from `modelgate push`)."
  default     = null
}

variable "model_key" {
  type        = string
  description = "Key of the model object in the module's bucket, when model_file is null (the key part of the MODEL_URI that `modelgate push` prints). Must start with model_prefix."
  default     = null
}

variable "model_sha256" {
  type        = string
  description = "sha256 of the model at model_key (the MODEL_SHA256 that `modelgate push` prints); the function refuses other bytes. Computed from the file when model_file is set."
  default     = null
}

variable "model_prefix" {
  type        = string
  description = "Prefix in the bucket that holds models; the function may read objects under it and nothing else."
  default     = "models/"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/$", var.model_prefix))
    error_message = "model_prefix must be one or more path segments ending in \"/\", like \"models/\"."
  }
}

variable "memory_size" {
  type        = number
  description = "Function memory in MB. 128 MB serves the iris demo (its peak is about 90 MB); larger models need more, and CPU, so init time, grows with memory (1,769 MB is one vCPU)."
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "timeout" {
  type        = number
  description = "Function timeout in seconds (API Gateway gives up after 29 s on a REST API, 30 s on an HTTP API)."
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be from 1 to 900 seconds."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the function's logs."
  default     = 30
}

variable "reserved_concurrency" {
  type        = number
  description = "Concurrent executions reserved for the function (and its ceiling); null leaves it unreserved."
  default     = null
}

variable "alias_name" {
  type        = string
  description = "Name of the alias the API invokes; each apply that changes the code or the model publishes a new version behind it."
  default     = "live"
}

variable "provisioned_concurrency" {
  type        = number
  description = "Execution environments kept initialized on the alias (no cold starts for them; billed while configured). 0 for none."
  default     = 0
}

variable "stable_version" {
  type        = string
  description = "For a gradual rollout: the version the alias keeps serving while canary_weight of the requests go to the newly published version. Null sends everything to the newest version."
  default     = null
}

variable "canary_weight" {
  type        = number
  description = "Share of requests (0 to 1) that the alias sends to the newest version while stable_version is set."
  default     = 0.1

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight < 1
    error_message = "canary_weight must be at least 0 and below 1."
  }
}

variable "api_type" {
  type        = string
  description = "\"REST\" (API Gateway REST API: a {proxy+} resource and a root POST with AWS_PROXY integrations, API keys and usage plans) or \"HTTP\" (API Gateway HTTP API: cheaper, fewer features)."
  default     = "REST"

  validation {
    condition     = contains(["REST", "HTTP"], var.api_type)
    error_message = "api_type must be \"REST\" or \"HTTP\"."
  }
}

variable "stage_name" {
  type        = string
  description = "API stage name; it is the first segment of a REST API's URL path."
  default     = "prod"
}

variable "throttling_rate_limit" {
  type        = number
  description = "Steady-state requests per second the stage accepts before answering 429."
  default     = 100
}

variable "throttling_burst_limit" {
  type        = number
  description = "Requests the stage accepts in a burst above the rate limit."
  default     = 200
}

variable "authorization" {
  type        = string
  description = "\"NONE\" or \"AWS_IAM\" (callers sign requests with SigV4 and need execute-api:Invoke)."
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "AWS_IAM"], var.authorization)
    error_message = "authorization must be \"NONE\" or \"AWS_IAM\"."
  }
}

variable "api_key_required" {
  type        = bool
  description = "REST API only: require an x-api-key header; the module creates a key and a usage plan with the stage's throttling and api_quota_per_day."
  default     = false
}

variable "api_quota_per_day" {
  type        = number
  description = "Requests per day the usage plan allows the API key (api_key_required); null for no quota."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource the module creates."
  default     = {}
}
