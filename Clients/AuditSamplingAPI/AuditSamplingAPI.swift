// audit-sampling' client for web: `Client`, `Components` and `Operations` are generated at build
// time (swift-openapi-generator's build plugin) from `openapi.yaml` here, a link to the service's
// own `Services/AuditSampling/HTTP/openapi.yaml`, so a document that no longer matches what web
// calls fails web's build, and one that no longer matches the service fails the contract check.
