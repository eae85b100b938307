/// Builds each service's OpenAPI 3.1 document from the parts every service shares (security,
/// the problem schema, the operational routes) and the service's own paths.
public enum OpenAPI {
    /// The whole document. `paths` is YAML indented by four spaces under `paths:` (may be empty);
    /// `schemas` likewise under `components.schemas`.
    public static func document(title: String, description: String, paths: String = "", schemas: String = "") -> String {
        """
        openapi: 3.1.0
        info:
          title: \(title)
          version: 1.0.0
          description: "\(description)"
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
              bearerFormat: JWT
          schemas:
            Problem:
              type: object
              description: RFC 9457 problem details (application/problem+json)
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                errors:
                  type: array
                  items:
                    type: object
                    properties:
                      field: {type: string}
                      message: {type: string}
        \(schemas)
        security:
          - bearer: []
        paths:
          /health:
            get:
              summary: Alive
              security: []
              responses:
                "200": {description: The process is alive}
          /ready:
            get:
              summary: Database open, bus bound and connected, caught up with every peer
              security: []
              responses:
                "200": {description: Ready}
                "503": {description: Not ready; the body lists why}
          /metrics:
            get:
              summary: Prometheus metrics
              security: []
              responses:
                "200": {description: Prometheus text format}
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                "200": {description: OpenAPI 3.1 YAML}
        \(paths)
        """
    }
}
