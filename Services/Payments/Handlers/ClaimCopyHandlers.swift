import Messages
import Messaging

/// Keeps payments' own copy of what it needs about claims, from claims-intake's and
/// audit-sampling's messages; it never asks another service's database.
enum ClaimCopyHandlers {
    static var handlers: [MessageHandler] {
        [
            .on(ClaimSubmitted.self) { envelope, db in
                try ClaimCopy.recordSubmission(envelope.payload, in: db)
                return .applied
            },
            .on(ClaimDeleted.self) { envelope, db in
                // A claim already in a run stays in it (the run was committed first).
                try ClaimCopy.recordDeletion(of: envelope.payload.reference, in: db)
                return .applied
            },
            .on(ClaimStatusChanged.self) { envelope, db in try ClaimCopy.mirror(envelope.payload, in: db) },
            .on(ClaimWindowUpserted.self) { _, _ in .applied },
            .on(SchoolUpserted.self) { envelope, db in
                try ClaimCopy.updateSchool(envelope.payload.school, in: db)
                return .applied
            },
            .on(ClawbackApproved.self) { envelope, db in
                try ClaimCopy.recordClawbackApproval(of: envelope.payload.reference, amount: envelope.payload.clawbackAmountPence, in: db)
            },
        ]
    }
}
