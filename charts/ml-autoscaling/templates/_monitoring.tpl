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
The regular expression ml-autoscaling uses to select a workload's pods (pkg/podname Pattern).
A Deployment's pods are named from "<replicaset>-" cut at 58 characters plus 5 random characters,
the ReplicaSet being <name>-<hash> (1 to 10 encoded digits, no leading zero); a StatefulSet's are
<name>-<ordinal> (the tool bounds the ordinal by max-replicas; here any ordinal).
Usage: include "ml-autoscaling.podPattern" (list $kind $name)
*/}}
{{- define "ml-autoscaling.podPattern" -}}
{{- $name := toString (index . 1) }}
{{- $hash := "[4-9b-df]" }}{{- $first := "[5-9b-df]" }}{{- $random := "[24-9b-df-hj-np-tv-xz]{5}" }}
{{- if eq (index . 0) "StatefulSet" }}
{{- printf "%s-(?:0|[1-9][0-9]*)" (regexQuoteMeta $name) }}
{{- else if ge (len $name) 58 }}
{{- printf "%s%s" (regexQuoteMeta (trunc 58 $name)) $random }}
{{- else }}
{{- $room := sub 57 (len $name) }}
{{- if gt $room 10 }}
{{- printf "%s-(?:%s|%s%s{1,9})-%s" (regexQuoteMeta $name) $hash $first $hash $random }}
{{- else }}
{{- $alts := list }}
{{- $longest := sub $room 1 }}
{{- if ge $longest 1 }}{{ $alts = append $alts (printf "%s-" $hash) }}{{ end }}
{{- if eq $longest 2 }}{{ $alts = append $alts (printf "%s%s-" $first $hash) }}{{ end }}
{{- if gt $longest 2 }}{{ $alts = append $alts (printf "%s%s{1,%d}-" $first $hash (sub $longest 1)) }}{{ end }}
{{- if eq $room 0 }}{{ $alts = append $alts "" }}{{ end }}
{{- if eq $room 1 }}{{ $alts = append $alts $hash }}{{ end }}
{{- if eq $room 2 }}{{ $alts = append $alts (printf "%s%s" $first $hash) }}{{ end }}
{{- if gt $room 2 }}{{ $alts = append $alts (printf "%s%s{%d}" $first $hash (sub $room 1)) }}{{ end }}
{{- if eq (len $alts) 1 }}
{{- printf "%s-%s%s" (regexQuoteMeta $name) (first $alts) $random }}
{{- else }}
{{- printf "%s-(?:%s)%s" (regexQuoteMeta $name) (join "|" $alts) $random }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A name shortened as ml-autoscaling shortens names KEDA would refuse (pkg/keda Shorten): a name
longer than the limit becomes its first characters (dots made dashes, no dash at the end), a dash
and 8 hex digits of its SHA-256.
Usage: include "ml-autoscaling.shorten" (list $name 63)
*/}}
{{- define "ml-autoscaling.shorten" -}}
{{- $name := toString (index . 0) }}{{- $limit := int (index . 1) }}
{{- if le (len $name) $limit }}
{{- $name }}
{{- else }}
{{- $head := regexReplaceAll "-+$" (replace "." "-" (trunc (int (sub $limit 9)) $name)) "" }}
{{- printf "%s-%s" $head (trunc 8 (sha256sum $name)) }}
{{- end }}
{{- end }}

{{/*
The names ml-autoscaling gives a workload's ScaledObject and KEDA's HPA (pkg/keda
ScaledObjectName, HPANameFor): the HPA is the workload's ml-autoscaling.io/hpa-name, or
keda-hpa-<ScaledObject>, shortened when longer than 63 characters.
Usage: include "ml-autoscaling.scaledObjectName" $name; include "ml-autoscaling.hpaName" (list $name $annotations)
*/}}
{{- define "ml-autoscaling.scaledObjectName" -}}
{{- include "ml-autoscaling.shorten" (list . 63) }}
{{- end }}
{{- define "ml-autoscaling.hpaName" -}}
{{- with get (index . 1) "ml-autoscaling.io/hpa-name" }}
{{- . }}
{{- else }}
{{- include "ml-autoscaling.shorten" (list (printf "keda-hpa-%s" (include "ml-autoscaling.scaledObjectName" (index . 0))) 63) }}
{{- end }}
{{- end }}
