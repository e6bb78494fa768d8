# The models bucket: private, public access blocked, encrypted at rest, versioned, TLS only.

resource "aws_s3_bucket" "models" {
  # bucket_prefix takes at most 37 characters.
  bucket_prefix = "${substr(lower(var.name), 0, 28)}-models-"
  force_destroy = false
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "models" {
  bucket                  = aws_s3_bucket.models.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "models" {
  bucket = aws_s3_bucket.models.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "models" {
  bucket = aws_s3_bucket.models.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "models" {
  bucket = aws_s3_bucket.models.id
  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_iam_policy_document" "models_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.models.arn, "${aws_s3_bucket.models.arn}/${var.model_prefix}*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "models" {
  bucket     = aws_s3_bucket.models.id
  policy     = data.aws_iam_policy_document.models_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.models]
}

resource "aws_s3_object" "model" {
  count = var.model_file != null ? 1 : 0

  bucket       = aws_s3_bucket.models.id
  key          = local.model_key
  source       = var.model_file
  source_hash  = local.model_sha256
  content_type = "application/octet-stream"
  metadata     = { sha256 = local.model_sha256 }
  tags         = local.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.models, aws_s3_bucket_versioning.models]
}
