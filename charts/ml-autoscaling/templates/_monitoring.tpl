{{/*
The release's workloads that opt in to ml-autoscaling, read from the rendered Deployment
templates themselves, so the monitoring objects see exactly the annotations the post-renderer
sees. Returns JSON {"items": [{name, kind, component, annotations, containers}]}.
Usage: (include "ml-autoscaling.scaledWorkloads" . | fromJson).items
*/}}
{{- define "ml-autoscaling.scaledWorkloads" -}}
{{- $items := list }}
{{- range $file := list "celery-worker-deployment.yaml" "orchestrator-deployment.yaml" "vllm-deployment.yaml" }}
{{- $doc := include (print $.Template.BasePath "/" $file) $ | fromYaml }}
{{- $ann := dig "metadata" "annotations" (dict) $doc }}
{{- if eq (toString (get $ann "ml-autoscaling.io/enabled")) "true" }}
{{- $items = append $items (dict
      "name" $doc.metadata.name
      "kind" $doc.kind
      "component" (dig "metadata" "labels" "app.kubernetes.io/component" "" $doc)
      "annotations" $ann
      "containers" (dig "spec" "template" "spec" "containers" (list) $doc)) }}
{{- end }}
{{- end }}
{{- toJson (dict "items" $items) }}
{{- end }}

{{/*
A PromQL regular expression (for =~, fully anchored by Prometheus) that matches exactly the given
names: "a|b", each name regex-quoted. Quote the result with printf "%q" to get a PromQL string.
Usage: include "ml-autoscaling.namesRegex" (list "a" "b")
*/}}
{{- define "ml-autoscaling.namesRegex" -}}
{{- $quoted := list }}
{{- range . }}{{ $quoted = append $quoted (regexQuoteMeta (toString .)) }}{{ end }}
{{- join "|" $quoted }}
{{- end }}

{{/*
The regular expression ml-autoscaling uses to select a workload's pods (pkg/triggers PodPattern):
<name>-<replicaset hash>-<5 characters> for a Deployment, <name>-<ordinal> for a StatefulSet.
Usage: include "ml-autoscaling.podPattern" (list $kind $name)
*/}}
{{- define "ml-autoscaling.podPattern" -}}
{{- if eq (index . 0) "StatefulSet" }}
{{- printf "%s-[0-9]+" (regexQuoteMeta (index . 1)) }}
{{- else }}
{{- printf "%s-[a-z0-9]{1,10}-[a-z0-9]{5}" (regexQuoteMeta (index . 1)) }}
{{- end }}
{{- end }}
