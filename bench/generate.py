"""Generate a synthetic but realistic catalog of lint-clean SOPs.

    python bench/generate.py N OUTDIR [--seed S] [--extract-yaml DIR] [--config FILE]

Writes N files ``OUTDIR/<id>.md`` (85-150 lines each) that pass
``sopdocs lint OUTDIR --today 2026-11-26`` with no errors and no warnings, given a
config whose ``owners`` list contains :data:`TEAMS` (``--config FILE`` writes one).
The output depends only on N and the seed.

``--extract-yaml DIR`` also writes each SOP's front matter, byte for byte, to
``DIR/<id>.yaml`` for the ``check-jsonschema`` baseline. ``last_reviewed`` stays
unquoted: check-jsonschema 0.39 keeps YAML timestamps as strings, so they pass
``"type": "string"`` and its ``format: date`` check is applied (``2026-02-30`` fails).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TODAY = dt.date(2026, 11, 26)
REVIEW_FIRST = dt.date(2026, 7, 1)
REVIEW_LAST = dt.date(2026, 11, 20)
MIN_LINES, MAX_LINES = 85, 150

TEAMS = [
    "team-data-platform", "team-sre", "team-security", "team-edge", "team-payments",
    "team-platform", "team-networking", "team-identity", "team-search", "team-messaging",
    "team-storage", "team-observability", "team-ci", "team-mobile-backend", "team-checkout",
    "team-catalog", "team-risk", "team-billing", "team-ml-platform", "team-developer-experience",
]
PEOPLE = [
    "a.nguyen", "b.schmidt", "c.okafor", "d.rossi", "e.kowalski", "f.haddad", "g.silva",
    "h.tanaka", "i.petrov", "j.murphy", "k.andersen", "l.moreau", "m.garcia", "n.kim",
]
ROLES = ["sre-oncall", "dba", "platform-oncall", "security-oncall", "release-manager", "network-engineer", "incident-commander"]
SYSTEMS = [
    "orders", "billing", "checkout", "catalog", "search", "identity", "payments", "ledger",
    "inventory", "shipping", "notifications", "reporting", "pricing", "reviews", "sessions",
]
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"]
ENVS = ["prod", "staging"]


@dataclass
class Domain:
    key: str
    name: str
    layer: str
    tags: list[str]
    params: dict[str, dict]
    actions: list[tuple[str, str]]  # (id part, title template)
    steps: list[tuple[str, str, str | None]]  # (title, command, verify command or None)
    probes: list[tuple[str, str]]  # (precondition text, command)
    rollbacks: list[tuple[str, str]]  # (text, command)
    checks: list[str] = field(default_factory=list)  # verification bullets


DOMAINS = [
    Domain(
        "postgres", "PostgreSQL", "data", ["postgres", "database", "rds"],
        {
            "database": {"description": "Name of the target database", "resource": True},
            "db_host": {"description": "Host name of the primary", "default": "{system}-db.internal"},
            "replica_host": {"description": "Host name of the replica to promote"},
            "max_lag_seconds": {"type": "integer", "description": "Largest replication lag we accept", "default": 30},
        },
        [("failover", "Fail over the {system} PostgreSQL primary to a replica"),
         ("vacuum-full", "Run a full vacuum on a bloated {system} table"),
         ("add-index", "Add an index to a large {system} table concurrently"),
         ("upgrade-minor", "Apply a PostgreSQL minor upgrade to the {system} cluster"),
         ("kill-long-queries", "Cancel long-running queries on the {system} database")],
        [("Check the replication lag on every replica.",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -Atc \"SELECT client_addr, replay_lag FROM pg_stat_replication\"",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -Atc \"SELECT count(*) FROM pg_stat_replication\" | grep -qv '^0$'"),
         ("Promote the replica.",
          "psql -h \"$REPLICA_HOST\" -d \"$DATABASE\" -c 'SELECT pg_promote(wait => true)'",
          "psql -h \"$REPLICA_HOST\" -d \"$DATABASE\" -Atc 'SELECT pg_is_in_recovery()' | grep -qx f"),
         ("Cancel queries that run longer than fifteen minutes.",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -c \"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND now() - query_start > interval '15 minutes'\"",
          None),
         ("Create the index without locking writes.",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -c 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_idx ON orders (created_at)'",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -Atc \"SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_created_at_idx'::regclass\" | grep -qx t"),
         ("Record the current WAL position in the change ticket.",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -Atc 'SELECT pg_current_wal_lsn()'", None),
         ("Run ANALYZE so the planner sees the new statistics.",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -c 'ANALYZE VERBOSE'", None)],
        [("The primary accepts connections",
          "pg_isready -h \"$DB_HOST\" -d \"$DATABASE\""),
         ("Replication lag is below the limit",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -Atc \"SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication\" | awk -v max=\"$MAX_LAG_SECONDS\" '{ exit !($1 < max) }'"),
         ("A base backup younger than 24 h exists",
          "./bin/check-backup-age --max 24h \"$DATABASE\"")],
        [("Point the application back at the old primary",
          "./bin/set-db-endpoint --database \"$DATABASE\" --host \"$DB_HOST\""),
         ("Drop the new index",
          "psql -h \"$DB_HOST\" -d \"$DATABASE\" -c 'DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx'")],
        ["The application error rate is unchanged on the database dashboard.",
         "Connection counts on the primary are back to their usual level."],
    ),
    Domain(
        "kafka", "Kafka", "data", ["kafka", "streaming", "messaging"],
        {
            "cluster": {"description": "Kafka cluster name", "resource": True},
            "bootstrap": {"description": "Bootstrap servers, host:port", "default": "{system}-kafka.internal:9092"},
            "topic": {"description": "Topic to operate on"},
            "consumer_group": {"description": "Consumer group whose offsets move"},
        },
        [("reassign-partitions", "Reassign partitions of a hot {system} Kafka topic"),
         ("reset-offsets", "Reset consumer offsets for the {system} consumers"),
         ("rolling-restart", "Rolling restart of the {system} Kafka brokers"),
         ("increase-retention", "Increase retention of a {system} Kafka topic")],
        [("List under-replicated partitions.",
          "kafka-topics.sh --bootstrap-server \"$BOOTSTRAP\" --describe --under-replicated-partitions",
          "test -z \"$(kafka-topics.sh --bootstrap-server \"$BOOTSTRAP\" --describe --under-replicated-partitions)\""),
         ("Stop the consumers and check the group is empty.",
          "kafka-consumer-groups.sh --bootstrap-server \"$BOOTSTRAP\" --describe --group \"$CONSUMER_GROUP\" --state",
          "kafka-consumer-groups.sh --bootstrap-server \"$BOOTSTRAP\" --describe --group \"$CONSUMER_GROUP\" --state | grep -q Empty"),
         ("Reset the offsets to the chosen time.",
          "kafka-consumer-groups.sh --bootstrap-server \"$BOOTSTRAP\" --group \"$CONSUMER_GROUP\" --topic \"$TOPIC\" --reset-offsets --to-datetime \"$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000)\" --execute",
          None),
         ("Raise the topic's retention to seven days.",
          "kafka-configs.sh --bootstrap-server \"$BOOTSTRAP\" --alter --entity-type topics --entity-name \"$TOPIC\" --add-config retention.ms=604800000",
          "kafka-configs.sh --bootstrap-server \"$BOOTSTRAP\" --describe --entity-type topics --entity-name \"$TOPIC\" | grep -q retention.ms=604800000"),
         ("Show the consumer lag per partition.",
          "kafka-consumer-groups.sh --bootstrap-server \"$BOOTSTRAP\" --describe --group \"$CONSUMER_GROUP\"", None)],
        [("The cluster controller is reachable",
          "kafka-metadata-quorum.sh --bootstrap-server \"$BOOTSTRAP\" describe --status"),
         ("No partition is under-replicated",
          "test -z \"$(kafka-topics.sh --bootstrap-server \"$BOOTSTRAP\" --describe --under-replicated-partitions)\"")],
        [("Restore the previous retention",
          "kafka-configs.sh --bootstrap-server \"$BOOTSTRAP\" --alter --entity-type topics --entity-name \"$TOPIC\" --delete-config retention.ms"),
         ("Move the offsets back to the saved position",
          "kafka-consumer-groups.sh --bootstrap-server \"$BOOTSTRAP\" --group \"$CONSUMER_GROUP\" --reset-offsets --from-file offsets-before.csv --execute")],
        ["Consumer lag returns to its usual level within 15 minutes.",
         "No partition is under-replicated or offline."],
    ),
    Domain(
        "redis", "Redis", "data", ["redis", "cache"],
        {
            "redis_host": {"description": "Redis primary host", "default": "{system}-redis.internal"},
            "key_pattern": {"description": "Pattern of the keys to expire, e.g. session:*"},
            "max_memory_pct": {"type": "integer", "description": "Memory use that is still acceptable, in percent", "default": 85},
        },
        [("flush-keys", "Expire a set of keys in the {system} Redis cache"),
         ("failover", "Fail over the {system} Redis primary"),
         ("memory-pressure", "Relieve memory pressure on the {system} Redis cache")],
        [("Check memory use and the eviction counter.",
          "redis-cli -h \"$REDIS_HOST\" INFO memory | grep -E 'used_memory_human|maxmemory_human'",
          None),
         ("Expire the matching keys in batches.",
          "redis-cli -h \"$REDIS_HOST\" --scan --pattern \"$KEY_PATTERN\" | xargs -r -n 500 redis-cli -h \"$REDIS_HOST\" UNLINK",
          "test \"$(redis-cli -h \"$REDIS_HOST\" --scan --pattern \"$KEY_PATTERN\" | head -n 1)\" = \"\""),
         ("Trigger a failover through Sentinel.",
          "redis-cli -h \"$REDIS_HOST\" -p 26379 SENTINEL FAILOVER mymaster",
          "redis-cli -h \"$REDIS_HOST\" -p 26379 SENTINEL get-master-addr-by-name mymaster"),
         ("Record the key count before the change.",
          "redis-cli -h \"$REDIS_HOST\" DBSIZE | tee dbsize-before.txt", None)],
        [("The primary answers PING", "redis-cli -h \"$REDIS_HOST\" PING | grep -qx PONG"),
         ("Memory use is below the limit",
          "redis-cli -h \"$REDIS_HOST\" INFO memory | awk -F: -v max=\"$MAX_MEMORY_PCT\" '/used_memory_rss:/ { r=$2 } /maxmemory:/ { m=$2 } END { exit !(m == 0 || r * 100 / m < max) }'")],
        [("Warm the cache again from the database", "./bin/cache-warm --host \"$REDIS_HOST\" --limit 100000"),
         ("Fail back to the previous primary", "redis-cli -h \"$REDIS_HOST\" -p 26379 SENTINEL FAILOVER mymaster")],
        ["The cache hit ratio recovers to at least 90 % within 30 minutes.",
         "Application latency at p99 is back to its baseline."],
    ),
    Domain(
        "k8s", "Kubernetes", "kubernetes", ["kubernetes", "k8s"],
        {
            "kube_context": {"description": "kubectl context of the target cluster"},
            "namespace": {"description": "Namespace of the workload", "default": "{system}"},
            "deployment": {"description": "Deployment to operate on", "default": "{system}-api", "resource": True},
            "node": {"description": "Node to drain"},
            "replicas": {"type": "integer", "description": "Replica count to scale to", "default": 6},
        },
        [("drain-node", "Drain a Kubernetes node that runs {system} workloads"),
         ("scale-up", "Scale up the {system} deployment for a traffic spike"),
         ("rollback-release", "Roll back a bad {system} release on Kubernetes"),
         ("restart-pods", "Restart the {system} pods without downtime"),
         ("cordon-zone", "Move {system} workloads away from a failing zone")],
        [("Cordon the node so nothing new lands on it.",
          "kubectl --context \"$KUBE_CONTEXT\" cordon \"$NODE\"",
          "kubectl --context \"$KUBE_CONTEXT\" get node \"$NODE\" -o jsonpath='{.spec.unschedulable}' | grep -qx true"),
         ("Drain the node and respect the disruption budgets.",
          "kubectl --context \"$KUBE_CONTEXT\" drain \"$NODE\" --ignore-daemonsets --delete-emptydir-data --timeout=10m",
          None),
         ("Scale the deployment.",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" scale deployment \"$DEPLOYMENT\" --replicas=\"$REPLICAS\"",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" rollout status deployment \"$DEPLOYMENT\" --timeout=5m"),
         ("Roll back to the previous revision.",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" rollout undo deployment \"$DEPLOYMENT\"",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" rollout status deployment \"$DEPLOYMENT\" --timeout=10m"),
         ("Restart the pods one by one.",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" rollout restart deployment \"$DEPLOYMENT\"",
          None),
         ("Save the current replica count in the change ticket.",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" get deployment \"$DEPLOYMENT\" -o jsonpath='{.spec.replicas}'",
          None)],
        [("The cluster API answers", "kubectl --context \"$KUBE_CONTEXT\" version --output=json >/dev/null"),
         ("Every pod of the deployment is ready",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" rollout status deployment \"$DEPLOYMENT\" --timeout=30s")],
        [("Uncordon the node", "kubectl --context \"$KUBE_CONTEXT\" uncordon \"$NODE\""),
         ("Scale back to the saved replica count",
          "kubectl --context \"$KUBE_CONTEXT\" -n \"$NAMESPACE\" scale deployment \"$DEPLOYMENT\" --replicas=\"$(cat replicas-before.txt)\"")],
        ["All pods are Ready and none restarts in the next 15 minutes.",
         "The service's error budget burn rate is back below 1."],
    ),
    Domain(
        "dns", "DNS", "network", ["dns", "route53"],
        {
            "zone_id": {"description": "Hosted zone id"},
            "record_name": {"description": "Fully qualified record name", "default": "{system}.example.com."},
            "target": {"description": "New target of the record"},
        },
        [("switch-record", "Switch the {system} DNS record to a standby endpoint"),
         ("lower-ttl", "Lower the TTL of the {system} DNS records before a migration")],
        [("Export the current record set.",
          "aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE_ID\" --query \"ResourceRecordSets[?Name=='$RECORD_NAME']\" | tee record-before.json",
          None),
         ("Apply the change batch.",
          "aws route53 change-resource-record-sets --hosted-zone-id \"$ZONE_ID\" --change-batch file://change.json",
          "dig +short \"$RECORD_NAME\" @1.1.1.1 | grep -qF \"$TARGET\""),
         ("Wait until the change is in sync.",
          "./bin/route53-wait-insync --zone \"$ZONE_ID\"", None)],
        [("The zone is reachable", "aws route53 get-hosted-zone --id \"$ZONE_ID\" >/dev/null"),
         ("The new target answers health checks", "curl -fsS --max-time 5 \"https://$TARGET/healthz\" >/dev/null")],
        [("Restore the saved record set", "./bin/route53-apply --zone \"$ZONE_ID\" --from record-before.json")],
        ["The record resolves to the new target from three public resolvers.",
         "Traffic on the old endpoint drops to zero after one TTL."],
    ),
    Domain(
        "tls", "TLS certificate", "security", ["tls", "certificates", "pki"],
        {
            "domain_name": {"description": "Domain the certificate covers", "default": "{system}.example.com"},
            "secret_name": {"description": "Kubernetes TLS secret that holds the certificate", "default": "{system}-tls"},
            "namespace": {"description": "Namespace of the secret", "default": "{system}"},
        },
        [("rotate-certificate", "Rotate the TLS certificate of {system}"),
         ("renew-expiring", "Renew an expiring {system} certificate by hand")],
        [("Show the current certificate's expiry.",
          "echo | openssl s_client -connect \"$DOMAIN_NAME:443\" -servername \"$DOMAIN_NAME\" 2>/dev/null | openssl x509 -noout -enddate",
          None),
         ("Request a new certificate from cert-manager.",
          "cmctl renew -n \"$NAMESPACE\" \"$SECRET_NAME\"",
          "kubectl -n \"$NAMESPACE\" get certificate \"$SECRET_NAME\" -o jsonpath='{.status.conditions[0].status}' | grep -qx True"),
         ("Reload the ingress controllers.",
          "kubectl -n ingress rollout restart deployment ingress-nginx-controller", None)],
        [("The issuer is ready", "kubectl get clusterissuer letsencrypt -o jsonpath='{.status.conditions[0].status}' | grep -qx True"),
         ("The domain resolves", "getent hosts \"$DOMAIN_NAME\" >/dev/null")],
        [("Restore the previous certificate from the backup secret",
          "kubectl -n \"$NAMESPACE\" get secret \"$SECRET_NAME-backup\" -o yaml | sed 's/-backup//' | kubectl apply -f -")],
        ["Browsers show the new certificate with the expected expiry.",
         "No TLS handshake errors in the ingress logs."],
    ),
    Domain(
        "cdn", "CDN", "edge", ["cdn", "cloudfront", "cache"],
        {
            "distribution_id": {"description": "CloudFront distribution id", "resource": True},
            "paths": {"description": "Paths to invalidate", "default": "/static/*"},
        },
        [("purge-cache", "Purge the {system} CDN cache after a bad deploy"),
         ("origin-failover", "Switch the {system} CDN origin to the standby bucket")],
        [("Create the invalidation.",
          "aws cloudfront create-invalidation --distribution-id \"$DISTRIBUTION_ID\" --paths \"$PATHS\" --query Invalidation.Id --output text | tee invalidation-id.txt",
          None),
         ("Wait for the invalidation to finish.",
          "aws cloudfront wait invalidation-completed --distribution-id \"$DISTRIBUTION_ID\" --id \"$(cat invalidation-id.txt)\"",
          None),
         ("Update the origin group.",
          "./bin/cdn-set-origin --distribution \"$DISTRIBUTION_ID\" --origin standby",
          "aws cloudfront get-distribution --id \"$DISTRIBUTION_ID\" --query Distribution.Status --output text | grep -qx Deployed")],
        [("The distribution is deployed",
          "aws cloudfront get-distribution --id \"$DISTRIBUTION_ID\" --query Distribution.Status --output text | grep -qx Deployed")],
        [("Switch the origin back", "./bin/cdn-set-origin --distribution \"$DISTRIBUTION_ID\" --origin primary")],
        ["The edge cache hit ratio recovers within an hour.",
         "Fresh assets are served from three regions (check with curl from the probes)."],
    ),
    Domain(
        "vault", "Vault", "security", ["vault", "credentials"],
        {
            "vault_addr": {"description": "Vault address", "default": "https://vault.internal:8200"},
            "mount": {"description": "Secrets engine mount", "default": "database"},
            "role": {"description": "Role whose credentials rotate", "default": "{system}-app"},
        },
        [("rotate-credentials", "Rotate the {system} database credentials in Vault"),
         ("revoke-leases", "Revoke leaked {system} leases in Vault")],
        [("List the active leases of the role.",
          "VAULT_ADDR=\"$VAULT_ADDR\" vault list \"sys/leases/lookup/$MOUNT/creds/$ROLE\"", None),
         ("Rotate the root credential of the connection.",
          "VAULT_ADDR=\"$VAULT_ADDR\" vault write -f \"$MOUNT/rotate-role/$ROLE\"",
          "VAULT_ADDR=\"$VAULT_ADDR\" vault read \"$MOUNT/static-creds/$ROLE\" >/dev/null"),
         ("Revoke every lease under the prefix.",
          "VAULT_ADDR=\"$VAULT_ADDR\" vault lease revoke -prefix \"$MOUNT/creds/$ROLE\"", None)],
        [("Vault is unsealed", "VAULT_ADDR=\"$VAULT_ADDR\" vault status -format=json | jq -e '.sealed == false'"),
         ("The role exists", "VAULT_ADDR=\"$VAULT_ADDR\" vault read \"$MOUNT/roles/$ROLE\" >/dev/null")],
        [("Re-issue credentials to the application", "./bin/restart-with-new-creds --role \"$ROLE\"")],
        ["The application connects with the new credential; no auth errors in its logs.",
         "The audit log shows the rotation with the change ticket number."],
    ),
    Domain(
        "service", "service", "service", ["deploy", "release"],
        {
            "service": {"description": "Service name", "default": "{system}-api", "resource": True},
            "version": {"description": "Version to deploy, e.g. 2026.11.3"},
            "environment": {"description": "Target environment", "enum": ENVS, "default": "prod"},
        },
        [("canary-release", "Release a new {system} version with a canary"),
         ("feature-flag-kill", "Turn off a misbehaving {system} feature flag"),
         ("hotfix-deploy", "Deploy a hotfix of the {system} service outside the release train")],
        [("Start the canary with 5 % of traffic.",
          "./bin/deploy --service \"$SERVICE\" --env \"$ENVIRONMENT\" --version \"$VERSION\" --canary 5",
          "./bin/canary-status --service \"$SERVICE\" --env \"$ENVIRONMENT\" | grep -q healthy"),
         ("Promote the canary to all instances.",
          "./bin/deploy --service \"$SERVICE\" --env \"$ENVIRONMENT\" --version \"$VERSION\" --promote",
          None),
         ("Turn the flag off for every tenant.",
          "./bin/flags set --service \"$SERVICE\" --env \"$ENVIRONMENT\" --flag new-checkout-flow --off", None),
         ("Tag the release in the deploy log.",
          "./bin/deploy-log note --service \"$SERVICE\" --version \"$VERSION\" --message \"released by $USER\"", None)],
        [("The build of the version exists", "./bin/artifact exists --service \"$SERVICE\" --version \"$VERSION\""),
         ("No other deploy of the service is running", "! ./bin/deploy --service \"$SERVICE\" --env \"$ENVIRONMENT\" --status | grep -q running")],
        [("Deploy the previous version", "./bin/deploy --service \"$SERVICE\" --env \"$ENVIRONMENT\" --previous")],
        ["The error rate and p99 latency of the service match the previous version.",
         "The synthetic checks for the service are green."],
    ),
    Domain(
        "lambda", "Lambda", "serverless", ["lambda", "aws", "serverless"],
        {
            "function_name": {"description": "Lambda function name", "default": "{system}-worker", "resource": True},
            "alias": {"description": "Alias that serves traffic", "default": "live"},
            "aws_region": {"description": "AWS region", "enum": REGIONS, "default": "eu-west-1"},
        },
        [("shift-alias", "Shift the {system} Lambda alias back to the previous version"),
         ("raise-concurrency", "Raise the reserved concurrency of the {system} Lambda")],
        [("Show the versions behind the alias.",
          "aws lambda get-alias --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" --name \"$ALIAS\"", None),
         ("Point the alias at the previous version.",
          "aws lambda update-alias --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" --name \"$ALIAS\" --function-version \"$(cat previous-version.txt)\"",
          "aws lambda get-alias --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" --name \"$ALIAS\" --query FunctionVersion --output text | grep -qxf previous-version.txt"),
         ("Raise the reserved concurrency.",
          "aws lambda put-function-concurrency --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" --reserved-concurrent-executions 200",
          None)],
        [("The function exists", "aws lambda get-function --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" >/dev/null")],
        [("Point the alias at the newest version again",
          "aws lambda update-alias --region \"$AWS_REGION\" --function-name \"$FUNCTION_NAME\" --name \"$ALIAS\" --function-version \"$(cat current-version.txt)\"")],
        ["Throttles and errors of the function are back to zero on the dashboard."],
    ),
    Domain(
        "ci", "CI", "ci-cd", ["ci", "runners", "pipelines"],
        {
            "runner_pool": {"description": "Runner pool name", "default": "{system}-runners", "resource": True},
            "pipeline": {"description": "Pipeline to re-run"},
        },
        [("drain-runners", "Drain and replace the {system} CI runners"),
         ("unblock-pipeline", "Unblock a stuck {system} release pipeline")],
        [("Pause the runner pool so it picks no new jobs.",
          "./bin/ci runners pause --pool \"$RUNNER_POOL\"", "./bin/ci runners status --pool \"$RUNNER_POOL\" | grep -q paused"),
         ("Replace the runner instances.",
          "./bin/ci runners recycle --pool \"$RUNNER_POOL\" --batch 2", None),
         ("Re-run the failed pipeline.",
          "./bin/ci pipelines retry --pipeline \"$PIPELINE\" --failed-only", None)],
        [("The CI API answers", "./bin/ci ping")],
        [("Resume the runner pool", "./bin/ci runners resume --pool \"$RUNNER_POOL\"")],
        ["The queue time of jobs is below five minutes again."],
    ),
    Domain(
        "observability", "monitoring", "observability", ["prometheus", "alerting", "monitoring"],
        {
            "prometheus_url": {"description": "Prometheus base URL", "default": "http://prometheus.internal:9090"},
            "alert_name": {"description": "Alert to silence or fix"},
        },
        [("silence-alert", "Silence a noisy {system} alert during maintenance"),
         ("restore-scrape", "Restore metrics scraping for {system}")],
        [("Find the firing alerts.",
          "curl -fsS \"$PROMETHEUS_URL/api/v1/alerts\" | jq -r '.data.alerts[] | select(.state == \"firing\") | .labels.alertname'", None),
         ("Create a two-hour silence.",
          "amtool silence add alertname=\"$ALERT_NAME\" --duration=2h --comment \"maintenance, see change ticket\"", None),
         ("Reload the Prometheus configuration.",
          "curl -fsS -X POST \"$PROMETHEUS_URL/-/reload\"",
          "curl -fsS \"$PROMETHEUS_URL/api/v1/targets?state=active\" | jq -e '.data.activeTargets | length > 0' >/dev/null")],
        [("Prometheus is healthy", "curl -fsS \"$PROMETHEUS_URL/-/healthy\" >/dev/null")],
        [("Expire the silence", "amtool silence expire \"$(amtool silence query -q alertname=\"$ALERT_NAME\")\"")],
        ["The targets of the service are up in Prometheus.", "The alert is either resolved or silenced with a reason."],
    ),
    Domain(
        "incident", "incident", "incident-response", ["incident", "outage"],
        {
            "incident_id": {"description": "Incident id, e.g. INC-1234"},
            "severity": {"description": "Incident severity", "enum": ["sev1", "sev2", "sev3"], "default": "sev2"},
        },
        [("declare", "Declare and run a {system} incident"),
         ("status-page", "Post a {system} status page update during an outage")],
        [("Open the incident channel.",
          "./bin/incident open --id \"$INCIDENT_ID\" --severity \"$SEVERITY\"", None),
         ("Page the owning team.",
          "./bin/incident page --id \"$INCIDENT_ID\" --team owning-team", None),
         ("Post the first status page update.",
          "./bin/statuspage post --incident \"$INCIDENT_ID\" --template investigating", None)],
        [("The incident tooling answers", "./bin/incident ping")],
        [("Close the incident and the status page entry", "./bin/incident close --id \"$INCIDENT_ID\" --reason 'opened in error'")],
        ["Every responder has acknowledged the page.", "The status page shows the incident."],
    ),
    Domain(
        "terraform", "Terraform", "platform", ["terraform", "infrastructure"],
        {
            "workspace": {"description": "Terraform workspace", "default": "{system}-prod", "resource": True},
            "module_dir": {"description": "Directory of the root module", "default": "infra/{system}"},
        },
        [("apply-change", "Apply a reviewed Terraform change to {system}"),
         ("unlock-state", "Release a stuck Terraform state lock for {system}")],
        [("Create the plan and save it.",
          "terraform -chdir=\"$MODULE_DIR\" plan -input=false -out=tfplan", None),
         ("Apply exactly the reviewed plan.",
          "terraform -chdir=\"$MODULE_DIR\" apply -input=false tfplan",
          "terraform -chdir=\"$MODULE_DIR\" plan -input=false -detailed-exitcode >/dev/null"),
         ("Release the lock held by the crashed run.",
          "terraform -chdir=\"$MODULE_DIR\" force-unlock -force \"$(cat lock-id.txt)\"", None)],
        [("The workspace is selected", "terraform -chdir=\"$MODULE_DIR\" workspace show | grep -qx \"$WORKSPACE\""),
         ("The plan has no surprises", "terraform -chdir=\"$MODULE_DIR\" plan -input=false -lock=false >/dev/null")],
        [("Apply the previous commit of the module", "git -C \"$MODULE_DIR\" checkout HEAD~1 -- . && terraform -chdir=\"$MODULE_DIR\" apply -input=false -auto-approve")],
        ["A fresh plan shows no changes.", "The resources respond to their health checks."],
    ),
    Domain(
        "app", "application", "application", ["application", "jobs"],
        {
            "job_queue": {"description": "Background job queue", "default": "{system}-jobs", "resource": True},
            "batch_size": {"type": "integer", "description": "Rows per batch", "default": 1000},
        },
        [("drain-queue", "Drain the {system} background job queue"),
         ("backfill", "Backfill missing {system} records in batches")],
        [("Pause the workers that consume the queue.",
          "./bin/jobs pause --queue \"$JOB_QUEUE\"", "./bin/jobs status --queue \"$JOB_QUEUE\" | grep -q paused"),
         ("Run the backfill in batches.",
          "./bin/backfill --queue \"$JOB_QUEUE\" --batch-size \"$BATCH_SIZE\" --resume", None),
         ("Move dead jobs back to the queue.",
          "./bin/jobs requeue-dead --queue \"$JOB_QUEUE\" --limit 5000", None)],
        [("The queue exists", "./bin/jobs status --queue \"$JOB_QUEUE\" >/dev/null")],
        [("Resume the workers", "./bin/jobs resume --queue \"$JOB_QUEUE\"")],
        ["The queue depth falls steadily and no job fails twice."],
    ),
]

MANUAL_STEPS = [
    ("Announce the change in `#{channel}` and wait for an acknowledgement from the on-call engineer.",
     ["Link the change ticket in the announcement.", "Say which dashboards you will watch."]),
    ("Open the change ticket and record the start time.",
     ["Use the standard change template.", "Copy the ticket number into the incident channel if there is one."]),
    ("Open the {name} dashboard for {system} and keep it visible during the whole procedure.",
     ["Note the current error rate and latency as the baseline."]),
    ("Confirm with the service owner of {system} that the maintenance window has started.",
     ["If the owner does not answer within ten minutes, ask the backup owner."]),
    ("Watch the error rate and latency for ten minutes before you continue.",
     ["Stop and roll back if the error rate doubles or p99 latency rises by more than 50 %."]),
    ("Write a short summary of what you did in the change ticket and close it.",
     ["Include any deviation from this procedure and why."]),
    ("Tell customer support that the {system} maintenance is finished.",
     []),
]

PURPOSES = [
    "Use this procedure when {what}. It is written for the on-call engineer of {team} and "
    "assumes access to the production {name} tooling. Read it to the end before you start: "
    "some steps cannot be undone without the rollback below.",
    "This SOP covers the case where {what}. Follow the steps in order; every command step "
    "prints what it changes, and the verification probes stop the run if the change did "
    "not take effect. Ask in the escalation channel if anything looks different from what "
    "is described here.",
    "We run this when {what}. The procedure is safe during business hours for {system}, "
    "but coordinate with the release manager: deploys of the affected services must be "
    "paused until the last step is verified.",
]
WHATS = [
    "the {system} {name} setup needs an operator's hands",
    "alerts for {system} point at {name} and the automatic remediation did not help",
    "a planned change to {name} for {system} is scheduled",
    "capacity or health of {name} for {system} degrades",
]
EXTRA_NOTES = [
    "Most runs of this procedure take between twenty minutes and an hour.",
    "The commands assume the standard operator image with the CLIs installed.",
    "Parameters reach the commands as environment variables; never paste values into commands.",
    "If a command fails, do not re-run it blindly: read its output and compare with the step's intent.",
    "Keep the change ticket open until the verification section is complete.",
    "Past runs and their notes are linked from the change ticket history.",
    "Prefer the quiet hours between 06:00 and 09:00 UTC when traffic is lowest.",
]
ESCALATIONS = [
    "If a step fails and the rollback does not restore service within fifteen minutes, page "
    "`pagerduty:{team}-primary` and declare an incident. Post every step's result in "
    "`#{channel}` so the next responder can pick up where you stopped.",
    "Escalate to the owning team ({team}) in `#{channel}`. Outside business hours, page the "
    "primary rotation; if nobody acknowledges within ten minutes, page the backup owner "
    "({backup}).",
]


def kebab(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


class Quoted(str):
    """A string written in double quotes (``version: "1.2.0"``, as the format asks)."""


def _quoted_presenter(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


def _list_presenter(dumper, data):
    # Short lists of words in flow style (`tags: [a, b]`), everything else in block style.
    flow = all(isinstance(x, str) and "\n" not in x for x in data) and sum(len(x) for x in data) < 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _dict_presenter(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=len(data) == 1 and "sop" in data)


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(Quoted, _quoted_presenter)
_Dumper.add_representer(list, _list_presenter)
_Dumper.add_representer(dict, _dict_presenter)


def _dump(value) -> str:
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, width=4096, allow_unicode=True)


@dataclass
class Plan:
    sop_id: str
    domain: Domain
    action: str
    title: str
    system: str


def plan_catalog(n: int, rng: random.Random) -> list[Plan]:
    plans, seen = [], set()
    for index in range(n):
        domain = rng.choice(DOMAINS)
        action, title = rng.choice(domain.actions)
        system = rng.choice(SYSTEMS)
        base = f"{domain.key}-{action}-{system}"
        sop_id = base if base not in seen else f"{base}-{index:05d}"
        seen.add(sop_id)
        plans.append(Plan(sop_id, domain, action, title.format(system=system), system))
    return plans


def _review_date(rng: random.Random) -> dt.date:
    return REVIEW_FIRST + dt.timedelta(days=rng.randrange((REVIEW_LAST - REVIEW_FIRST).days + 1))


def _fmt(text: str, plan: Plan, **extra) -> str:
    return text.format(system=plan.system, name=plan.domain.name, **extra)


def render(
    plan: Plan,
    plans: list[Plan],
    by_domain: dict[str, list[Plan]],
    by_system: dict[str, list[Plan]],
    rng: random.Random,
) -> tuple[str, str]:
    """Return (markdown text, front matter YAML text)."""
    d = plan.domain
    owner = rng.choice(TEAMS)
    backup = rng.choice([t for t in TEAMS if t != owner])
    channel = owner.removeprefix("team-") + "-oncall"

    def pick_others(k: int) -> list[str]:
        """Up to k distinct other SOP ids, mostly of the same domain or system."""
        picked: list[str] = []
        if len(plans) < 2:
            return picked
        pools = [by_domain[d.key], by_system[plan.system], plans]
        for _ in range(k * 4):
            pool = pools[0] if rng.random() < 0.6 else pools[1] if rng.random() < 0.6 else pools[2]
            other = rng.choice(pool).sop_id
            if other != plan.sop_id and other not in picked:
                picked.append(other)
            if len(picked) == k:
                break
        return picked

    # Parameters: keep every parameter the chosen commands use.
    params = {}
    for name, spec in d.params.items():
        spec = {k: (v.format(system=plan.system) if isinstance(v, str) else v) for k, v in spec.items()}
        params[name] = spec

    meta: dict = {
        "id": plan.sop_id,
        "title": plan.title,
        "owner": owner,
        "backup_owner": backup,
        "escalation": [f"#{channel}", f"pagerduty:{owner.removeprefix('team-')}-primary"],
        "status": rng.choices(["approved", "in-review", "draft"], weights=[8, 1, 1])[0],
        "version": Quoted(f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"),
        "risk": rng.choice(["low", "medium", "high", "critical"]),
        "layer": d.layer,
        "tags": sorted(set(rng.sample(d.tags, k=rng.randint(1, len(d.tags))) + [plan.system, plan.action.split("-")[0]])),
        "execution_roles": sorted(rng.sample(ROLES, k=rng.randint(1, 3))),
        "approvers": sorted(rng.sample(PEOPLE, k=rng.randint(1, 3))),
        "last_reviewed": _review_date(rng),
        "review_in": rng.choice(["6 months", "6 months", "6 months", "1 year", "26 weeks"]),
    }
    related = pick_others(rng.randint(1, 3))
    if related:
        meta["related"] = related
    meta["parameters"] = params
    pre: list = [rng.choice([
        "A change ticket is approved and linked in the channel.",
        "The maintenance window has started and the on-call engineer knows about it.",
        "Nobody else is running a procedure on the same system (check the change calendar).",
    ])]
    for text, command in rng.sample(d.probes, k=min(len(d.probes), rng.randint(1, 2))):
        pre.append({"text": text, "command": command, "timeout": rng.choice(["10s", "30s", "1m", "2m"])})
    meta["preconditions"] = pre
    rollback_sop = pick_others(1) if rng.random() < 0.35 else []
    if rollback_sop:
        meta["rollback"] = {"sop": rollback_sop[0]}
    else:
        rollback: list = []
        for text, command in rng.sample(d.rollbacks, k=rng.randint(1, len(d.rollbacks))):
            item = {"text": text, "command": command, "timeout": rng.choice(["5m", "10m", "30m", "1h"])}
            if rng.random() < 0.6:
                item["confirm"] = True
            rollback.append(item)
        rollback.append("Tell the channel that the change was rolled back and why.")
        meta["rollback"] = rollback

    front = "# yaml-language-server: $schema=../schema/sop.schema.json\n" + _dump(meta)

    def body(n_steps: int, n_notes: int) -> str:
        step_rng = random.Random(f"{plan.sop_id}:{n_steps}")
        out = [f"# {plan.title}", ""]
        what = _fmt(step_rng.choice(WHATS), plan)
        out += _wrap(_fmt(step_rng.choice(PURPOSES), plan, what=what, team=owner)) + [""]
        if meta.get("related"):
            target = meta["related"][0]
            out += [f"See also [{target}]({target}.md) for the related procedure.", ""]
        out += ["## Steps", ""]
        used_ids: set[str] = set()
        command_deck: list = []
        manual_deck: list = []
        for number in range(1, n_steps + 1):
            marker = f"{number}. "
            pad = " " * len(marker)
            # First and last steps are manual (announce / close the ticket); about half
            # of the others carry a command. Draw without replacement until a deck is used up.
            command_step = 1 < number < n_steps and step_rng.random() < 0.6
            if command_step:
                if not command_deck:
                    command_deck = step_rng.sample(d.steps, k=len(d.steps))
                title, command, verify = command_deck.pop()
                out.append(marker + title)
                if step_rng.random() < 0.4:
                    out += ["", pad + "Read the output before you continue; it goes into the change ticket."]
                attrs = []
                if step_rng.random() < 0.4:
                    step_id = kebab(title)[:40].strip("-")
                    if step_id not in used_ids:
                        used_ids.add(step_id)
                        attrs.append(f"id={step_id}")
                if step_rng.random() < 0.6:
                    attrs.append("timeout=" + step_rng.choice(["30s", "2m", "5m", "10m", "30m", "1h30m"]))
                if step_rng.random() < 0.3:
                    attrs.append("confirm")
                if step_rng.random() < 0.3:
                    attrs.append("idempotent")
                    if step_rng.random() < 0.3:
                        attrs.append("retries=2")
                out += ["", pad + "```" + " ".join(["bash", *attrs])]
                out += [pad + line for line in command.split("\n")]
                out += [pad + "```"]
                if verify and step_rng.random() < 0.6:
                    out += ["", pad + "```bash verify", pad + verify, pad + "```"]
                out.append("")
            else:
                if number == 1:
                    title, details = MANUAL_STEPS[step_rng.randrange(2)]
                elif number == n_steps:
                    title, details = MANUAL_STEPS[5 + step_rng.randrange(2)]
                else:
                    if not manual_deck:
                        manual_deck = step_rng.sample(MANUAL_STEPS[2:5], k=3)
                    title, details = manual_deck.pop()
                out.append(marker + _fmt(title, plan, channel=channel))
                if details:
                    out += [""] + [pad + line for line in details]
                out.append("")
        out += ["## Verification", ""]
        out += [f"- {c}" for c in d.checks]
        out += ["- Nobody reported new problems in the channel for 30 minutes.", ""]
        probe = next((v for _, _, v in d.steps if v), None)
        if probe:
            out += ["```bash", probe, "```", ""]
        out += ["## Escalation", ""]
        out += _wrap(_fmt(step_rng.choice(ESCALATIONS), plan, team=owner.removeprefix("team-"), channel=channel, backup=backup)) + [""]
        if n_notes:
            out += ["## Notes", ""]
            out += [f"- {step_rng.choice(EXTRA_NOTES)}" for _ in range(n_notes)] + [""]
        return "\n".join(out)

    n_steps = rng.randint(5, 12)
    n_notes = 0
    min_lines = rng.randint(MIN_LINES, MIN_LINES + 15)
    text = f"---\n{front}---\n\n" + body(n_steps, n_notes)
    while _lines(text) > MAX_LINES and n_steps > 5:
        n_steps -= 1
        text = f"---\n{front}---\n\n" + body(n_steps, n_notes)
    while _lines(text) < min_lines:
        n_notes += 1
        text = f"---\n{front}---\n\n" + body(n_steps, n_notes)
    return text, front


def _wrap(text: str, width: int = 88) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def _lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def generate(n: int, outdir: Path, seed: int = 1, extract_yaml: Path | None = None) -> list[Path]:
    rng = random.Random(seed)
    plans = plan_catalog(n, rng)
    by_domain: dict[str, list[Plan]] = {}
    by_system: dict[str, list[Plan]] = {}
    for plan in plans:
        by_domain.setdefault(plan.domain.key, []).append(plan)
        by_system.setdefault(plan.system, []).append(plan)
    outdir.mkdir(parents=True, exist_ok=True)
    if extract_yaml:
        extract_yaml.mkdir(parents=True, exist_ok=True)
    written = []
    for plan in plans:
        text, front = render(plan, plans, by_domain, by_system, rng)
        path = outdir / f"{plan.sop_id}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        if extract_yaml:
            (extract_yaml / f"{plan.sop_id}.yaml").write_text(front, encoding="utf-8")
    return written


def write_config(path: Path, paths: list[str] | None = None) -> None:
    data = {"owners": TEAMS, "review_in": "6 months", "due_soon_days": 30}
    if paths:
        data["paths"] = paths
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of SOPs")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--extract-yaml", type=Path, metavar="DIR", help="also write each front matter to DIR/<id>.yaml")
    parser.add_argument("--config", type=Path, metavar="FILE", help="also write a sopdocs.yml listing the generator's owners")
    args = parser.parse_args(argv)
    files = generate(args.n, args.outdir, args.seed, args.extract_yaml)
    if args.config:
        write_config(args.config)
    print(f"wrote {len(files)} SOPs to {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
