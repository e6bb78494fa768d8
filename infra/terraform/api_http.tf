# api_type "HTTP": an API Gateway HTTP API (cheaper per request), POST / and ANY /{proxy+} to the alias.

resource "aws_apigatewayv2_api" "this" {
  count = local.is_http ? 1 : 0

  name          = var.name
  description   = "modelgate prediction endpoint"
  protocol_type = "HTTP"
  tags          = local.tags

  lifecycle {
    precondition {
      condition     = !var.api_key_required
      error_message = "API keys are a REST API feature: use api_type \"REST\" with api_key_required, or authorization \"AWS_IAM\"."
    }
  }
}

resource "aws_apigatewayv2_integration" "this" {
  count = local.is_http ? 1 : 0

  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_alias.live.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.is_http ? toset(["POST /", "ANY /{proxy+}"]) : toset([])

  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.this[0].id}"
  authorization_type = var.authorization
}

resource "aws_apigatewayv2_stage" "this" {
  count = local.is_http ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = var.stage_name
  auto_deploy = true
  tags        = local.tags

  default_route_settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}

resource "aws_lambda_permission" "http" {
  count = local.is_http ? 1 : 0

  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*"
}
