# The function, its log group, the onnxruntime layer (zip path with --use-layer), and the alias the
# API invokes. publish = true makes each change of code or model a new version.

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_lambda_layer_version" "onnxruntime" {
  count = local.is_zip && var.layer_zip != null ? 1 : 0

  layer_name               = "${var.name}-onnxruntime-node-${var.architecture}"
  description              = "onnxruntime-node for modelgate (modelgate package --use-layer)"
  filename                 = var.layer_zip
  source_code_hash         = local.layer_zip_hash
  compatible_runtimes      = ["nodejs22.x"]
  compatible_architectures = [var.architecture]
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = "modelgate prediction endpoint"
  role          = aws_iam_role.function.arn
  package_type  = var.package_type
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  publish       = true

  # Zip: the function zip from `modelgate package` on Node.js 22.
  filename         = local.is_zip ? var.function_zip : null
  source_code_hash = local.function_zip_hash
  runtime          = local.is_zip ? "nodejs22.x" : null
  handler          = local.is_zip ? "index.handler" : null
  layers           = [for layer in aws_lambda_layer_version.onnxruntime : layer.arn]

  # Image: the modelgate Dockerfile's Lambda image, from the module's repository.
  image_uri = local.is_image ? "${one(aws_ecr_repository.function[*].repository_url)}:${var.image_tag}" : null

  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency

  environment {
    variables = {
      MODEL_URI    = local.model_uri
      MODEL_SHA256 = local.model_sha256
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = !local.is_zip || var.function_zip != null
      error_message = "package_type \"Zip\" needs function_zip: the function zip from `modelgate package`."
    }
    precondition {
      condition     = !local.is_image || var.image_tag != null
      error_message = "package_type \"Image\" needs image_tag: a tag pushed to the module's ECR repository."
    }
    precondition {
      condition     = var.model_file != null || (var.model_key != null && var.model_sha256 != null)
      error_message = "Give model_file, or model_key and model_sha256 (the MODEL_URI key and MODEL_SHA256 `modelgate push` prints)."
    }
    precondition {
      condition     = try(startswith(local.model_key, var.model_prefix), false)
      error_message = "model_key must start with model_prefix: the function may read models under that prefix only."
    }
    precondition {
      condition     = can(regex("^[0-9a-f]{64}$", local.model_sha256))
      error_message = "model_sha256 must be 64 lowercase hex digits."
    }
  }

  depends_on = [aws_iam_role_policy.function, aws_s3_object.model, aws_ecr_repository_policy.function]
}

resource "aws_lambda_alias" "live" {
  name             = var.alias_name
  function_name    = aws_lambda_function.this.function_name
  function_version = var.stable_version != null ? var.stable_version : aws_lambda_function.this.version

  # A gradual rollout: the stable version keeps most requests, the newest gets canary_weight of them.
  dynamic "routing_config" {
    for_each = var.stable_version != null && var.stable_version != aws_lambda_function.this.version ? [1] : []
    content {
      additional_version_weights = { (aws_lambda_function.this.version) = var.canary_weight }
    }
  }
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.live.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency
}
