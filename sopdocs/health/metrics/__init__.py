"""Run metrics from audit trails: reading and verifying trails (:mod:`.trails`), the
figures (:mod:`.figures`), and their outputs (:mod:`.output`: text and JSON;
:mod:`.exposition`: Prometheus and OpenMetrics). Definitions: docs/metrics.md."""
