#!/bin/sh
# LocalStack runs this once it is ready (init hook, READY stage): it applies the videoshare
# topology with the project's own provisioning code, installed in /opt/videoshare by
# localstack/Dockerfile. Idempotent, like every `videoshare provision`: a restart changes
# nothing. Settings come from the container's environment (VIDEOSHARE_STACK, ...).
set -eu
export AWS_ENDPOINT_URL="http://localhost:4566"  # LocalStack itself, from inside
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
exec /opt/videoshare/bin/videoshare provision
