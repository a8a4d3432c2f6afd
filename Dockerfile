# ml-autoscaling: the KRM function image (kpt and kustomize container functions).
# Build: docker build -t ml-autoscaling:dev .   (or: make image)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# the same build step as `make build`
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/ml-autoscaling /usr/local/bin/ml-autoscaling
COPY --from=build /src/bin/ml-autoscaling-postrender /usr/local/bin/ml-autoscaling-postrender
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/ml-autoscaling"]
