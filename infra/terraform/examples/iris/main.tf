# Deploys the iris demo model: the function zip from `modelgate package` and the model uploaded to the
# module's bucket. From the repository's root:
#   npx modelgate package --out build/
#   terraform -chdir=infra/terraform/examples/iris init
#   terraform -chdir=infra/terraform/examples/iris apply
# docs/deploy.md walks through it, the image path and model rollouts.

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
  package_type = "Zip"
  architecture = "x86_64"
  function_zip = "${path.module}/../../../../build/function-x86_64.zip"
  model_file   = "${path.module}/../../../../examples/iris/model.onnx"
  api_type     = var.api_type

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
