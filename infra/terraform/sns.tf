# Alerts: the analyze hook publishes here when an alert label is seen; email subscribers and
# the dead-letter alarm share the topic.

resource "aws_sns_topic" "alerts" {
  name = "${var.name}-alerts"
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

# A clip that no hook could process should not go unnoticed.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  count = length(local.hooks) > 0 ? 1 : 0

  alarm_name          = "${var.name}-hooks-dead-letters"
  alarm_description   = "A cctv Lambda hook gave up on an S3 event; the event is in ${aws_sqs_queue.dead_letter.name}."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}
