import Messages
import Messaging

/// Keeps audit-sampling's own copy of claims and providers from other services' messages, and
/// runs the pre-payment checks on each submission (`Storage/ClaimCopy.swift`).
struct ClaimHandlers {
    let outbox: Outbox

    var handlers: [MessageHandler] {
        let outbox = self.outbox
        return [
            .on(ClaimSubmitted.self) { envelope, db in
                try ClaimCopy.recordSubmission(envelope.payload, in: db, outbox: outbox, cause: envelope.id, correlation: envelope.correlationId)
                return .applied
            },
            .on(ProviderUpserted.self) { envelope, db in
                try ClaimCopy.upsertProvider(envelope.payload.provider, in: db)
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in
                try ClaimCopy.mirror(envelope.payload, in: db, outbox: outbox, cause: envelope.id, correlation: envelope.correlationId)
            },
            .on(ClaimDeleted.self) { envelope, db in
                try ClaimCopy.recordDeletion(
                    of: envelope.payload.reference,
                    in: db,
                    outbox: outbox,
                    cause: envelope.id,
                    correlation: envelope.correlationId
                )
                return .applied
            },
        ]
    }
}
