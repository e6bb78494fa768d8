# Deploys the iris demo model: the function zip from `modelgate package` and the model uploaded to the
# module's bucket. From the repository's root:
#   npx modelgate package --out build/
#   terraform -chdir=infra/terraform/examples/iris init
#   terraform -chdir=infra/terraform/examples/iris apply
# docs/deploy.md walks through it, the image path (-var package_type=Image) and model rollouts.

terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

variable "region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "us-east-1"
}

variable "package_type" {
  type        = string
  description = "\"Zip\" (build/function-x86_64.zip from `modelgate package`) or \"Image\" (pushed to the module's ECR repository; set image_tag)."
  default     = "Zip"
}

variable "image_tag" {
  type        = string
  description = "With package_type \"Image\": the tag pushed to the repository (output ecr_repository_url)."
  default     = null
}

variable "model_file" {
  type        = string
  description = "The model to serve; null for the iris demo model. A new file publishes a new version."
  default     = null
}

variable "stable_version" {
  type        = string
  description = "During a rollout: the version to keep serving while canary_weight of the requests go to the new one."
  default     = null
}

variable "canary_weight" {
  type        = number
  description = "Share of requests for the new version while stable_version is set."
  default     = 0.1
}

variable "api_type" {
  type        = string
  description = "\"REST\" or \"HTTP\" (see the module's README)."
  default     = "REST"
}

provider "aws" {
  region = var.region
}

module "iris" {
  source = "../.."

  name         = "modelgate-iris"
  package_type = var.package_type
  architecture = "x86_64"
  function_zip = var.package_type == "Zip" ? "${path.module}/../../../../build/function-x86_64.zip" : null
  image_tag    = var.image_tag
  model_file   = coalesce(var.model_file, "${path.module}/../../../../examples/iris/model.onnx")
  api_type     = var.api_type

  stable_version = var.stable_version
  canary_weight  = var.canary_weight

  tags = { project = "modelgate-demo" }
}

output "endpoint_url" {
  description = "POST a row here: curl -s -d '{\"sepal_length\":5.9,\"sepal_width\":3,\"petal_length\":5.1,\"petal_width\":1.8}' <url>"
  value       = module.iris.endpoint_url
}

output "function_name" {
  description = "The Lambda function."
  value       = module.iris.function_name
}

output "bucket_name" {
  description = "Where the models are."
  value       = module.iris.bucket_name
}

output "function_version" {
  description = "The version this apply published (stable_version for the next rollout)."
  value       = module.iris.function_version
}

output "ecr_repository_url" {
  description = "Where to push the image (package_type \"Image\")."
  value       = module.iris.ecr_repository_url
}
