# api_type "REST": the reference's shape, a {proxy+} resource and a root POST, both AWS_PROXY to the
# alias; a stage with throttling; optionally an API key with a usage plan, or IAM auth.

resource "aws_api_gateway_rest_api" "this" {
  count = local.is_rest ? 1 : 0

  name        = var.name
  description = "modelgate prediction endpoint"
  tags        = local.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "proxy" {
  count = local.is_rest ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_rest_api.this[0].root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy" {
  count = local.is_rest ? 1 : 0

  rest_api_id      = aws_api_gateway_rest_api.this[0].id
  resource_id      = aws_api_gateway_resource.proxy[0].id
  http_method      = "ANY"
  authorization    = var.authorization
  api_key_required = var.api_key_required
}

resource "aws_api_gateway_integration" "proxy" {
  count = local.is_rest ? 1 : 0

  rest_api_id             = aws_api_gateway_rest_api.this[0].id
  resource_id             = aws_api_gateway_resource.proxy[0].id
  http_method             = aws_api_gateway_method.proxy[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}

resource "aws_api_gateway_method" "root" {
  count = local.is_rest ? 1 : 0

  rest_api_id      = aws_api_gateway_rest_api.this[0].id
  resource_id      = aws_api_gateway_rest_api.this[0].root_resource_id
  http_method      = "POST"
  authorization    = var.authorization
  api_key_required = var.api_key_required
}

resource "aws_api_gateway_integration" "root" {
  count = local.is_rest ? 1 : 0

  rest_api_id             = aws_api_gateway_rest_api.this[0].id
  resource_id             = aws_api_gateway_rest_api.this[0].root_resource_id
  http_method             = aws_api_gateway_method.root[0].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}

resource "aws_api_gateway_deployment" "this" {
  count = local.is_rest ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id

  # A new deployment when, and only when, the API's definition changes.
  triggers = {
    redeployment = sha256(jsonencode([
      aws_api_gateway_resource.proxy[0].id,
      aws_api_gateway_method.proxy[0],
      aws_api_gateway_integration.proxy[0],
      aws_api_gateway_method.root[0],
      aws_api_gateway_integration.root[0],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "this" {
  count = local.is_rest ? 1 : 0

  rest_api_id   = aws_api_gateway_rest_api.this[0].id
  deployment_id = aws_api_gateway_deployment.this[0].id
  stage_name    = var.stage_name
  tags          = local.tags
}

resource "aws_api_gateway_method_settings" "all" {
  count = local.is_rest ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  stage_name  = aws_api_gateway_stage.this[0].stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}

resource "aws_lambda_permission" "rest" {
  count = local.is_rest ? 1 : 0

  statement_id  = "AllowRestApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this[0].execution_arn}/*/*"
}

resource "aws_api_gateway_api_key" "this" {
  count = local.is_rest && var.api_key_required ? 1 : 0

  name = var.name
  tags = local.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  count = local.is_rest && var.api_key_required ? 1 : 0

  name = var.name
  tags = local.tags

  api_stages {
    api_id = aws_api_gateway_rest_api.this[0].id
    stage  = aws_api_gateway_stage.this[0].stage_name
  }

  throttle_settings {
    rate_limit  = var.throttling_rate_limit
    burst_limit = var.throttling_burst_limit
  }

  dynamic "quota_settings" {
    for_each = var.api_quota_per_day == null ? [] : [var.api_quota_per_day]
    content {
      limit  = quota_settings.value
      period = "DAY"
    }
  }
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = local.is_rest && var.api_key_required ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}
