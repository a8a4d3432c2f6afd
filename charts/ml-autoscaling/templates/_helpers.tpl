{{/*
Chart name.
*/}}
{{- define "ml-autoscaling.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix of every resource: <release>-<chart>, or <release> when it already contains the
chart name. Truncated to 40 characters so that "<fullname>-<component>" and KEDA's
"keda-hpa-<fullname>-<component>" stay within the 63-character name limit (KEDA 2.20 rejects
longer names).
*/}}
{{- define "ml-autoscaling.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "ml-autoscaling.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of a component's resources. Usage: include "ml-autoscaling.componentName" (list $ "orchestrator")
*/}}
{{- define "ml-autoscaling.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "ml-autoscaling.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of a component. Usage: include "ml-autoscaling.selectorLabels" (list $ "orchestrator")
*/}}
{{- define "ml-autoscaling.selectorLabels" -}}
{{- $root := index . 0 }}
app.kubernetes.io/name: {{ include "ml-autoscaling.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- with index . 1 }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/*
Standard labels. Usage: include "ml-autoscaling.labels" (list $ "orchestrator"); use "" as the
component for release-wide resources.
*/}}
{{- define "ml-autoscaling.labels" -}}
{{- $root := index . 0 }}
helm.sh/chart: {{ include "ml-autoscaling.chart" $root }}
{{ include "ml-autoscaling.selectorLabels" . | trim }}
{{- with $root.Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: {{ include "ml-autoscaling.name" $root }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ServiceAccount name used by the pods ("" when neither created nor named: the namespace default).
*/}}
{{- define "ml-autoscaling.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ml-autoscaling.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Pod-level settings shared by every workload. Usage: include "ml-autoscaling.podCommon" (list $ $svc)
*/}}
{{- define "ml-autoscaling.podCommon" -}}
{{- $root := index . 0 }}
{{- $svc := index . 1 }}
{{- with (include "ml-autoscaling.serviceAccountName" $root) }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automount }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The ml-autoscaling.io/* annotations of a workload. All values are rendered as quoted strings.
Usage: include "ml-autoscaling.autoscalingAnnotations" (list $ $svc.autoscaling $specific)
where $specific is a dict of annotation suffix -> value for the workload's triggers. Entries of
autoscaling.extraAnnotations (with or without the ml-autoscaling.io/ prefix) override them.
Empty values are omitted. Renders nothing when autoscaling.enabled is false.
*/}}
{{- define "ml-autoscaling.autoscalingAnnotations" -}}
{{- $as := index . 1 }}
{{- $all := dict }}
{{- if hasKey $as "minReplicas" }}{{ $_ := set $all "min-replicas" $as.minReplicas }}{{ end }}
{{- if hasKey $as "maxReplicas" }}{{ $_ := set $all "max-replicas" $as.maxReplicas }}{{ end }}
{{- range $k, $v := index . 2 }}{{ $_ := set $all $k $v }}{{ end }}
{{- range $k, $v := $as.extraAnnotations }}{{ $_ := set $all (trimPrefix "ml-autoscaling.io/" $k) $v }}{{ end }}
{{- if $as.enabled }}
ml-autoscaling.io/enabled: "true"
{{- with $as.profile }}
ml-autoscaling.io/profile: {{ . | toString | quote }}
{{- end }}
{{- range $k, $v := $all }}
{{- if and (not (kindIs "invalid" $v)) (ne (toString $v) "") (ne $k "enabled") (ne $k "profile") }}
ml-autoscaling.io/{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
