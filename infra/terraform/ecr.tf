# The image path: a repository for the modelgate image (scanned on push, immutable tags).

resource "aws_ecr_repository" "function" {
  count = local.is_image ? 1 : 0

  name                 = lower(var.name)
  image_tag_mutability = "IMMUTABLE"
  force_delete         = false
  tags                 = local.tags

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_ecr_lifecycle_policy" "function" {
  count = local.is_image ? 1 : 0

  repository = aws_ecr_repository.function[0].name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 most recent images (older versions of the function cannot start once their image is gone)"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })
}

# Lambda pulls the image with the service principal; only this account's function of this name may.
data "aws_iam_policy_document" "ecr_pull" {
  count = local.is_image ? 1 : 0

  statement {
    sid     = "LambdaPull"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:sourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${local.account_id}:function:${var.name}"]
    }
  }
}

resource "aws_ecr_repository_policy" "function" {
  count = local.is_image ? 1 : 0

  repository = aws_ecr_repository.function[0].name
  policy     = data.aws_iam_policy_document.ecr_pull[0].json
}
