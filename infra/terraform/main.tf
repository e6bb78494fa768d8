# modelgate model endpoint: S3 for models, the function (zip or image), IAM, and an API in front.
# Files by concern: storage.tf, ecr.tf, function.tf, iam.tf, api_rest.tf, api_http.tf, outputs.tf.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  is_zip   = var.package_type == "Zip"
  is_image = var.package_type == "Image"
  is_rest  = var.api_type == "REST"
  is_http  = var.api_type == "HTTP"

  account_id = data.aws_caller_identity.current.account_id

  # The model: uploaded from model_file under a content-addressed key, or an object already there.
  model_sha256 = var.model_file != null ? filesha256(var.model_file) : var.model_sha256
  model_key    = var.model_file != null ? "${var.model_prefix}${var.name}/${local.model_sha256}.onnx" : var.model_key
  model_uri    = "s3://${aws_s3_bucket.models.bucket}/${local.model_key}"

  function_zip_hash = local.is_zip ? try(filebase64sha256(var.function_zip), null) : null
  layer_zip_hash    = local.is_zip ? try(filebase64sha256(var.layer_zip), null) : null

  tags = merge({ "modelgate:endpoint" = var.name }, var.tags)
}
