terraform {
  # 1.6: variable validation and preconditions as used here; optional object attributes.
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
