# Inputs. Every variable is typed, documented and validated; cross-variable rules (which Terraform
# 1.6 cannot express in a `validation` block) are preconditions on the resources they concern.

# ---------------------------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------------------------

variable "region" {
  description = "AWS region for every resource (the bucket, the Lambda hooks, SNS). Put the same value in cctv's `storage.region`."
  type        = string
  default     = "eu-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as eu-west-2 or us-east-1."
  }
}

variable "name" {
  description = "Name prefix for every resource (functions, roles, queue, topic, uploader user). Lowercase letters, digits and hyphens, 3-24 characters."
  type        = string
  default     = "cctv"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name))
    error_message = "name must be 3-24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged into the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Bucket
# ---------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Exact bucket name. null (default) lets AWS pick a unique name starting with \"<name>-clips-\"."
  type        = string
  default     = null

  validation {
    condition = var.bucket_name == null ? true : (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) &&
      !strcontains(var.bucket_name, "..") &&
      !can(regex("^\\d+\\.\\d+\\.\\d+\\.\\d+$", var.bucket_name)) &&
      !startswith(var.bucket_name, "xn--") &&
      !endswith(var.bucket_name, "-s3alias")
    )
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, no \"..\", not an IP address."
  }
}

variable "key_prefix" {
  description = "Optional key prefix inside the bucket, without leading or trailing slash (\"\" = bucket root). Clips then live under \"<key_prefix>/clips/\" and cctv's storage.url is \"s3://<bucket>/<key_prefix>\"."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.key_prefix == "" || can(regex("^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$", var.key_prefix))
    error_message = "key_prefix must be \"\" or slash-separated segments of letters, digits and !_.'()- with no leading, trailing or double slash."
  }
  validation {
    condition     = !can(regex("(^|/)\\.", var.key_prefix))
    error_message = "key_prefix segments must not start with a dot (cctv storage keys never do)."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a bucket that still holds clips. Keep false for evidence."
  type        = bool
  default     = false
}

variable "versioning_enabled" {
  description = "Turn on S3 versioning so an overwritten or deleted clip can be recovered (recommended when the bucket holds evidence). Old versions expire after noncurrent_version_expire_days."
  type        = bool
  default     = false
}

variable "noncurrent_version_expire_days" {
  description = "With versioning, days an overwritten or deleted object version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expire_days >= 1 && floor(var.noncurrent_version_expire_days) == var.noncurrent_version_expire_days
    error_message = "noncurrent_version_expire_days must be a whole number of days, at least 1."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for SSE-KMS. null (default) uses SSE-S3 (AES256), which costs nothing and keeps S3 ETags equal to the MD5 that cctv's upload verifies."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

# ---------------------------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------------------------

variable "glacier_after_days" {
  description = "Days after upload when clip videos (objects tagged class=clip under the clip prefix) move to S3 Glacier Instant Retrieval. Posters and manifests stay in Standard. null disables the transition."
  type        = number
  default     = 30

  validation {
    condition     = var.glacier_after_days == null ? true : (var.glacier_after_days >= 0 && var.glacier_after_days <= 36500 && floor(var.glacier_after_days) == var.glacier_after_days)
    error_message = "glacier_after_days must be null or a whole number of days between 0 and 36500."
  }
}

variable "expire_after_days" {
  description = "Days after upload when every object under the clip prefix (clip, poster, manifest) is deleted. Must be greater than glacier_after_days."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = var.expire_after_days >= 1 && var.expire_after_days <= 36500 && floor(var.expire_after_days) == var.expire_after_days
    error_message = "expire_after_days must be a whole number of days between 1 and 36500."
  }
}

# ---------------------------------------------------------------------------------------------
# Lambda hooks
# ---------------------------------------------------------------------------------------------

variable "enable_transcode" {
  description = "Create the transcode hook (a faststart H.264 MP4 when a new clip does not play in browsers; a poster for clips cctv did not upload)."
  type        = bool
  default     = true
}

variable "enable_analyze" {
  description = "Create the analyze hook (Rekognition DetectLabels on sampled frames, labels into the manifest, alerts)."
  type        = bool
  default     = true
}

variable "transcode_zip_path" {
  description = "Path of the transcode handler zip built by `npm run build:lambda`. null = <repo>/dist/lambda/transcode.zip."
  type        = string
  default     = null
}

variable "analyze_zip_path" {
  description = "Path of the analyze handler zip built by `npm run build:lambda`. null = <repo>/dist/lambda/analyze.zip."
  type        = string
  default     = null
}

variable "ffmpeg_layer_arn" {
  description = "ARN (with version) of an existing Lambda layer that provides ffmpeg and ffprobe. Set this or ffmpeg_layer_zip_path, not both."
  type        = string
  default     = null

  validation {
    condition     = var.ffmpeg_layer_arn == null ? true : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.ffmpeg_layer_arn))
    error_message = "ffmpeg_layer_arn must be a versioned layer ARN: arn:aws:lambda:<region>:<account>:layer:<name>:<version>."
  }
}

variable "ffmpeg_layer_zip_path" {
  description = "Path of a zip you built holding bin/ffmpeg and bin/ffprobe (static Linux builds for lambda_architecture); Terraform publishes it as a layer. Set this or ffmpeg_layer_arn, not both."
  type        = string
  default     = null
}

variable "ffmpeg_path" {
  description = "Where the layer puts ffmpeg inside the function (layers unpack under /opt). Passed as CCTV_FFMPEG_PATH."
  type        = string
  default     = "/opt/bin/ffmpeg"

  validation {
    condition     = startswith(var.ffmpeg_path, "/opt/")
    error_message = "ffmpeg_path must be an absolute path under /opt/, where Lambda unpacks layers."
  }
}

variable "ffprobe_path" {
  description = "Where the layer puts ffprobe inside the function. Passed as CCTV_FFPROBE_PATH."
  type        = string
  default     = "/opt/bin/ffprobe"

  validation {
    condition     = startswith(var.ffprobe_path, "/opt/")
    error_message = "ffprobe_path must be an absolute path under /opt/, where Lambda unpacks layers."
  }
}

variable "lambda_runtime" {
  description = "Node.js runtime of every function (the bundles are built for node22). nodejs20.x is gone: AWS blocks creating such functions from 2026-08-31 and updating them from 2026-09-30."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs22.x"], var.lambda_runtime)
    error_message = "lambda_runtime must be nodejs22.x (AWS no longer creates or updates nodejs20.x functions; provider 5.x does not know nodejs24.x)."
  }
}

variable "lambda_architecture" {
  description = "CPU architecture of both hooks; the ffmpeg layer must be built for the same one."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "transcode_memory_mb" {
  description = "Transcode memory in MB. Lambda gives CPU in proportion (1769 MB = one vCPU); libx264 wants at least one."
  type        = number
  default     = 2048

  validation {
    condition     = var.transcode_memory_mb >= 128 && var.transcode_memory_mb <= 10240 && floor(var.transcode_memory_mb) == var.transcode_memory_mb
    error_message = "transcode_memory_mb must be a whole number between 128 and 10240."
  }
}

variable "transcode_timeout_seconds" {
  description = "Transcode timeout in seconds (Lambda allows at most 900)."
  type        = number
  default     = 300

  validation {
    condition     = var.transcode_timeout_seconds >= 10 && var.transcode_timeout_seconds <= 900 && floor(var.transcode_timeout_seconds) == var.transcode_timeout_seconds
    error_message = "transcode_timeout_seconds must be a whole number between 10 and 900."
  }
}

variable "transcode_ephemeral_storage_mb" {
  description = "Transcode /tmp size in MB (input and output clip both live there)."
  type        = number
  default     = 2048

  validation {
    condition     = var.transcode_ephemeral_storage_mb >= 512 && var.transcode_ephemeral_storage_mb <= 10240 && floor(var.transcode_ephemeral_storage_mb) == var.transcode_ephemeral_storage_mb
    error_message = "transcode_ephemeral_storage_mb must be a whole number between 512 and 10240."
  }
}

variable "transcode_reserved_concurrency" {
  description = "Reserved concurrency of the transcode hook: the most clips transcoded at once (also a cost ceiling). At least 1."
  type        = number
  default     = 2

  validation {
    condition     = var.transcode_reserved_concurrency >= 1 && var.transcode_reserved_concurrency <= 1000 && floor(var.transcode_reserved_concurrency) == var.transcode_reserved_concurrency
    error_message = "transcode_reserved_concurrency must be a whole number between 1 and 1000 (0 would disable the function)."
  }
}

variable "analyze_memory_mb" {
  description = "Analyze memory in MB (ffmpeg frame extraction plus the Rekognition calls)."
  type        = number
  default     = 1024

  validation {
    condition     = var.analyze_memory_mb >= 128 && var.analyze_memory_mb <= 10240 && floor(var.analyze_memory_mb) == var.analyze_memory_mb
    error_message = "analyze_memory_mb must be a whole number between 128 and 10240."
  }
}

variable "analyze_timeout_seconds" {
  description = "Analyze timeout in seconds (Lambda allows at most 900). At least local_analysis_grace_seconds + 60: the grace wait plus the frames, Rekognition calls and alert retries."
  type        = number
  default     = 120

  validation {
    condition     = var.analyze_timeout_seconds >= 10 && var.analyze_timeout_seconds <= 900 && floor(var.analyze_timeout_seconds) == var.analyze_timeout_seconds
    error_message = "analyze_timeout_seconds must be a whole number between 10 and 900."
  }
}

variable "analyze_ephemeral_storage_mb" {
  description = "Analyze /tmp size in MB."
  type        = number
  default     = 1024

  validation {
    condition     = var.analyze_ephemeral_storage_mb >= 512 && var.analyze_ephemeral_storage_mb <= 10240 && floor(var.analyze_ephemeral_storage_mb) == var.analyze_ephemeral_storage_mb
    error_message = "analyze_ephemeral_storage_mb must be a whole number between 512 and 10240."
  }
}

variable "analyze_reserved_concurrency" {
  description = "Reserved concurrency of the analyze hook; also keeps Rekognition below its TPS quota. At least 1."
  type        = number
  default     = 4

  validation {
    condition     = var.analyze_reserved_concurrency >= 1 && var.analyze_reserved_concurrency <= 1000 && floor(var.analyze_reserved_concurrency) == var.analyze_reserved_concurrency
    error_message = "analyze_reserved_concurrency must be a whole number between 1 and 1000 (0 would disable the function)."
  }
}

variable "max_retry_attempts" {
  description = "Retries Lambda makes for a failed asynchronous (S3) invocation before it goes to the dead-letter queue."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.max_retry_attempts)
    error_message = "max_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_seconds" {
  description = "Oldest S3 event Lambda still delivers (events waiting longer, e.g. while throttled by reserved concurrency, go to the dead-letter queue)."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 21600 && floor(var.maximum_event_age_seconds) == var.maximum_event_age_seconds
    error_message = "maximum_event_age_seconds must be a whole number between 60 and 21600."
  }
}

variable "dlq_retention_seconds" {
  description = "How long failed events wait in the dead-letter queue (SQS allows 60 to 1209600 = 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_retention_seconds >= 60 && var.dlq_retention_seconds <= 1209600 && floor(var.dlq_retention_seconds) == var.dlq_retention_seconds
    error_message = "dlq_retention_seconds must be a whole number between 60 and 1209600."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of both hooks' log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_level" {
  description = "cctv log level inside the hooks (CCTV_LOG_LEVEL)."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be one of trace, debug, info, warn, error."
  }
}

# ---------------------------------------------------------------------------------------------
# Detection and alerts (the analyze hook; same meaning as cctv's detect.* and alerts.* keys)
# ---------------------------------------------------------------------------------------------

variable "detect_labels" {
  description = "Labels the analyze hook keeps (cctv detect.labels); passed as CCTV_DETECT_LABELS, comma-separated."
  type        = list(string)
  default     = ["person", "car", "dog", "cat"]

  validation {
    condition     = length(var.detect_labels) > 0 && alltrue([for l in var.detect_labels : can(regex("^[a-z][a-z0-9 _-]{0,63}$", l))])
    error_message = "detect_labels must be a non-empty list of lowercase label names (letters, digits, space, _ or -), without commas."
  }
}

variable "min_confidence" {
  description = "Minimum confidence, 0-1, for a detection to count (cctv detect.minConfidence); CCTV_MIN_CONFIDENCE."
  type        = number
  default     = 0.6

  validation {
    condition     = var.min_confidence > 0 && var.min_confidence <= 1
    error_message = "min_confidence must be a fraction greater than 0 and at most 1 (0.6, not 60)."
  }
}

variable "alert_labels" {
  description = "Labels that raise an alert (cctv alerts.on); CCTV_ALERT_LABELS, comma-separated. Each must be in detect_labels. [] = never alert."
  type        = list(string)
  default     = ["person"]

  validation {
    condition     = alltrue([for l in var.alert_labels : can(regex("^[a-z][a-z0-9 _-]{0,63}$", l))])
    error_message = "alert_labels must be lowercase label names (letters, digits, space, _ or -), without commas."
  }
}

variable "max_frames_per_event" {
  description = "Most frames sampled per clip (cctv detect.maxFramesPerEvent); each costs one Rekognition DetectLabels call. CCTV_MAX_FRAMES."
  type        = number
  default     = 5

  validation {
    condition     = var.max_frames_per_event >= 1 && var.max_frames_per_event <= 50 && floor(var.max_frames_per_event) == var.max_frames_per_event
    error_message = "max_frames_per_event must be a whole number between 1 and 50."
  }
}

variable "local_analysis_grace_seconds" {
  description = "Seconds the analyze hook gives an on-premise `cctv analyze` to write its labels into a new clip's manifest before it pays Rekognition (it re-reads the manifest every 2 s meanwhile; a clip settled on premise costs no frame). 0 = off: use 0 when nothing analyses clips on premise, or every clip is billed the full wait in Lambda time first. Must leave 60 s of analyze_timeout_seconds for the work. CCTV_LOCAL_GRACE_SECONDS."
  type        = number
  default     = 30

  validation {
    condition     = var.local_analysis_grace_seconds >= 0 && var.local_analysis_grace_seconds <= 600 && floor(var.local_analysis_grace_seconds) == var.local_analysis_grace_seconds
    error_message = "local_analysis_grace_seconds must be a whole number between 0 (off) and 600."
  }
}

variable "alert_emails" {
  description = "Email addresses subscribed to the alerts topic (each must confirm the subscription email AWS sends)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must be email addresses."
  }
}

variable "webhook_url" {
  description = "Optional webhook the analyze hook POSTs alerts to (cctv alerts.webhook.url), e.g. https://ntfy.sh/my-topic. Sensitive: it is stored in the function's environment (encrypted at rest) and in the Terraform state."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.webhook_url == null ? true : can(regex("^https?://[^\\s]+$", var.webhook_url))
    error_message = "webhook_url must be an http(s) URL."
  }
}

variable "alert_public_url" {
  description = "The hosted web app's address as alert recipients reach it (cctv alerts.publicUrl): alert links then open its media routes (?site=). null: presigned S3 links valid alert_presign_seconds. CCTV_ALERT_PUBLIC_URL."
  type        = string
  default     = null

  validation {
    condition     = var.alert_public_url == null ? true : can(regex("^https://[^\\s/]+(/[^\\s]*)?$", var.alert_public_url))
    error_message = "alert_public_url must be an https:// URL."
  }
}

variable "alert_presign_seconds" {
  description = "Without alert_public_url: how long presigned links in alerts stay valid (cctv alerts.presignSeconds, 60-604800; the function's role session bounds it too). CCTV_ALERT_PRESIGN_SECONDS."
  type        = number
  default     = 3600

  validation {
    condition     = var.alert_presign_seconds >= 60 && var.alert_presign_seconds <= 604800 && floor(var.alert_presign_seconds) == var.alert_presign_seconds
    error_message = "alert_presign_seconds must be a whole number of seconds between 60 and 604800."
  }
}

# ---------------------------------------------------------------------------------------------
# Uploader (the on-premise cctv server)
# ---------------------------------------------------------------------------------------------

variable "create_uploader_user" {
  description = "Create an IAM user for the on-premise server (create its access key yourself, see README: keys in Terraform state are avoided)."
  type        = bool
  default     = true
}

variable "uploader_role_trusted_principal_arns" {
  description = "IAM principals (users or roles, possibly in another account) allowed to assume an uploader role with the same permissions as the uploader user. [] = no role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.uploader_role_trusted_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", a))])
    error_message = "uploader_role_trusted_principal_arns must be IAM ARNs (arn:aws:iam::<account>:root, :role/<name> or :user/<name>)."
  }
}

variable "allow_recording_uploads" {
  description = "Also let the uploader store whole recordings under recordings/ (cctv's upload.continuous or upload.mode: segment). false: only clips; cctv doctor then refuses those options, saying why."
  type        = bool
  default     = false
}

variable "uploader_can_list_and_delete" {
  description = "Also let the uploader list and delete under the clip prefix (needed for `cctv serve`/`search` straight from the bucket and remote `cctv prune`). false keeps a compromised server from erasing evidence."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# Sites (sites.tf) and the event index (index.tf, dynamodb.tf)
# ---------------------------------------------------------------------------------------------

variable "sites" {
  description = "The installations sharing this bucket, by site name (cctv's `site`): each stores under <key_prefix>/<site>/clips/ with its own uploader identity limited to that prefix, and gets its own lifecycle rules and hook triggers. {} (default) keeps the 0.1 layout (clips/ and one uploader)."
  type = map(object({
    create_uploader_user                 = optional(bool, true)
    uploader_role_trusted_principal_arns = optional(list(string), [])
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for s in keys(var.sites) : can(regex("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", s)) && !contains(["clips", "recordings", "lambda-artifacts"], s)])
    error_message = "Site names are 1-32 lowercase letters, digits or inner hyphens (they become key prefixes), and not clips, recordings or lambda-artifacts."
  }
  validation {
    condition = alltrue(flatten([for s in values(var.sites) : [
      for a in s.uploader_role_trusted_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", a))
    ]]))
    error_message = "uploader_role_trusted_principal_arns of a site must be IAM ARNs (arn:aws:iam::<account>:root, :role/<name> or :user/<name>)."
  }
}

variable "legacy_site" {
  description = "The site that 0.1 clips (<key_prefix>/clips/… without a site) belong to. With sites declared, setting it keeps the 0.1 uploader, lifecycle and triggers for those clips until they expire; without sites, the index files them under this name (default \"home\")."
  type        = string
  default     = null

  validation {
    condition     = var.legacy_site == null ? true : can(regex("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", var.legacy_site))
    error_message = "legacy_site must be a site name: 1-32 lowercase letters, digits or inner hyphens."
  }
}

variable "enable_index" {
  description = "Create the event index: a DynamoDB table filled from the manifests by the indexer function (through EventBridge), what the hosted web app lists events from."
  type        = bool
  default     = true
}

variable "indexer_zip_path" {
  description = "Path of the indexer zip built by `npm run build:lambda`. null = <repo>/dist/lambda/indexer.zip."
  type        = string
  default     = null
}

variable "indexer_memory_mb" {
  description = "Indexer memory in MB (a manifest is a GET and two PutItems; a reindex works 8 at a time)."
  type        = number
  default     = 256

  validation {
    condition     = var.indexer_memory_mb >= 128 && var.indexer_memory_mb <= 10240 && floor(var.indexer_memory_mb) == var.indexer_memory_mb
    error_message = "indexer_memory_mb must be a whole number between 128 and 10240."
  }
}

variable "indexer_timeout_seconds" {
  description = "Indexer timeout in seconds; a reindex invocation must finish within it (about 40 manifests a second were measured against local servers)."
  type        = number
  default     = 900

  validation {
    condition     = var.indexer_timeout_seconds >= 10 && var.indexer_timeout_seconds <= 900 && floor(var.indexer_timeout_seconds) == var.indexer_timeout_seconds
    error_message = "indexer_timeout_seconds must be a whole number between 10 and 900."
  }
}

# ---------------------------------------------------------------------------------------------
# The hosted web app (web.tf, cognito.tf)
# ---------------------------------------------------------------------------------------------

variable "enable_web" {
  description = "Create the hosted web app: CloudFront in front of the web Lambda's function URL (Origin Access Control), a Cognito user pool for sign-in, its sessions table and settings parameter. Needs enable_index."
  type        = bool
  default     = false
}

variable "web_zip_path" {
  description = "Path of the web app zip built by `npm run build:lambda`. null = <repo>/dist/lambda/web.zip."
  type        = string
  default     = null
}

variable "web_memory_mb" {
  description = "Web app memory in MB (CPU comes in proportion: more memory, faster cold starts)."
  type        = number
  default     = 512

  validation {
    condition     = var.web_memory_mb >= 128 && var.web_memory_mb <= 10240 && floor(var.web_memory_mb) == var.web_memory_mb
    error_message = "web_memory_mb must be a whole number between 128 and 10240."
  }
}

variable "web_timeout_seconds" {
  description = "Web app timeout in seconds (a request is a few index reads and a presigned URL)."
  type        = number
  default     = 10

  validation {
    condition     = var.web_timeout_seconds >= 3 && var.web_timeout_seconds <= 60 && floor(var.web_timeout_seconds) == var.web_timeout_seconds
    error_message = "web_timeout_seconds must be a whole number between 3 and 60."
  }
}

variable "web_reserved_concurrency" {
  description = "Reserved concurrency of the web app: the most requests answered at once (also a cost ceiling). At least 1."
  type        = number
  default     = 10

  validation {
    condition     = var.web_reserved_concurrency >= 1 && var.web_reserved_concurrency <= 1000 && floor(var.web_reserved_concurrency) == var.web_reserved_concurrency
    error_message = "web_reserved_concurrency must be a whole number between 1 and 1000."
  }
}

variable "web_price_class" {
  description = "CloudFront price class of the web app (PriceClass_100: North America and Europe edges, the cheapest)."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.web_price_class)
    error_message = "web_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the user pool's sign-in domain (<prefix>.auth.<region>.amazoncognito.com), unique across AWS. null = \"<name>-<account id>\"."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null ? true : can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix)) && !can(regex("aws|amazon|cognito", var.cognito_domain_prefix))
    error_message = "cognito_domain_prefix must be lowercase letters, digits and inner hyphens (up to 63), without aws, amazon or cognito."
  }
}

variable "web_admin_group" {
  description = "The user pool group whose members see every site."
  type        = string
  default     = "admins"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.web_admin_group))
    error_message = "web_admin_group must be 1-128 letters, digits, _ or -."
  }
}

variable "web_presign_seconds" {
  description = "How long a clip's or poster's presigned URL lives (the player asks for a new one before a seek past that)."
  type        = number
  default     = 300

  validation {
    condition     = var.web_presign_seconds >= 60 && var.web_presign_seconds <= 3600 && floor(var.web_presign_seconds) == var.web_presign_seconds
    error_message = "web_presign_seconds must be a whole number between 60 and 3600."
  }
}

variable "web_session_idle_hours" {
  description = "A web session ends after this many hours without a request."
  type        = number
  default     = 72

  validation {
    condition     = var.web_session_idle_hours > 0 && var.web_session_idle_hours <= 8760
    error_message = "web_session_idle_hours must be more than 0 and at most 8760."
  }
}

variable "web_session_max_days" {
  description = "A web session ends this many days after signing in, whatever happens (also the pool's refresh token validity)."
  type        = number
  default     = 30

  validation {
    condition     = var.web_session_max_days >= 1 && var.web_session_max_days <= 3650 && floor(var.web_session_max_days) == var.web_session_max_days
    error_message = "web_session_max_days must be a whole number of days between 1 and 3650."
  }
}
