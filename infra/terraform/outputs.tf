output "endpoint_url" {
  description = "Base URL of the API: POST a request body to it (or to <url>/predict); GET <url>/health, /ready, /metadata."
  value       = local.is_rest ? one(aws_api_gateway_stage.this[*].invoke_url) : one(aws_apigatewayv2_stage.this[*].invoke_url)
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_version" {
  description = "The version this apply published (the newest)."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the alias the API invokes."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the alias the API invokes."
  value       = aws_lambda_alias.live.arn
}

output "bucket_name" {
  description = "Bucket that holds the models (`modelgate push <model> s3://<bucket>/models/` puts new ones there)."
  value       = aws_s3_bucket.models.bucket
}

output "model_uri" {
  description = "MODEL_URI the function reads."
  value       = local.model_uri
}

output "ecr_repository_url" {
  description = "ECR repository to push the image to (package_type \"Image\"), else null."
  value       = one(aws_ecr_repository.function[*].repository_url)
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.function.name
}

output "api_key_id" {
  description = "ID of the API key (api_key_required); read its value with `aws apigateway get-api-key --include-value --api-key <id>`."
  value       = one(aws_api_gateway_api_key.this[*].id)
}
