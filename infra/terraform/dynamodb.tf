# The event index: one on-demand table for every site, what the hosted web app lists events from.
# Its layout is src/lib/catalog/dynamodb/ (keys.ts, table.ts: keep them in step). Rebuildable from
# the manifests at any time (the indexer's reindex invocation, `cctv cloud reindex`), so it has no
# point-in-time recovery; entries expire with their clips (TTL on expiresAt = start + expire_after_days).

resource "aws_dynamodb_table" "events" {
  count = var.enable_index ? 1 : 0

  name         = "${var.name}-events"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  dynamic "attribute" {
    for_each = ["pk", "sk", "lpk", "cpk", "lsk"]
    content {
      name = attribute.value
      type = "S"
    }
  }

  # Every camera of a site, newest first.
  global_secondary_index {
    name            = "bySite"
    hash_key        = "lpk"
    range_key       = "lsk"
    projection_type = "ALL"
  }

  # One camera of a site, newest first.
  global_secondary_index {
    name            = "byCamera"
    hash_key        = "cpk"
    range_key       = "lsk"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }
}
