import Foundation
import Messages
import Messaging
import ServiceSupport

/// Applies the other services' messages to claims through the lifecycle: each applied
/// transition updates the claim, records the activity and publishes `claim.status-changed`, all
/// in the inbox's transaction. A message that arrives before the claim can take it (another
/// producer's earlier fact is still on its way) is parked; an impossible one is dead-lettered.
struct ClaimStatusHandlers {
    let outbox: Outbox

    var handlers: [MessageHandler] {
        [
            on(PaymentRequested.self) { m in (m.reference, .paymentRequested, nil, .none) },
            on(PaymentPaid.self) { m in (m.reference, .paid, m.by, .paid(amountPence: m.amountPence)) },
            on(PaymentInformationRequested.self) { m in (m.reference, .paymentInformationRequested, nil, .reason(m.reason)) },
            on(PaymentInformationSent.self) { m in (m.reference, .paymentInformationSent, m.by, .none) },
            on(PaymentRejected.self) { m in (m.reference, .paymentRejected, m.by, .rejected(reason: m.reason)) },
            on(SampleClaimSelected.self) { m in (m.reference, .sampleSelected, nil, .reason(m.sampleReason)) },
            on(SampleProviderAccepted.self) { m in (m.reference, .providerAccepted, nil, .none) },
            on(SampleProviderNotApproved.self) { m in
                (m.reference, .providerNotApproved, nil, .reason(m.mentors.map { "\($0.trn): \($0.reason)" }.joined(separator: "; ")))
            },
            on(SampleApproved.self) { m in (m.reference, .sampleApproved, m.by, .none) },
            on(SampleSchoolRejected.self) { m in
                (m.reference, .schoolRejected, m.by, .reason(m.mentors.map { "\($0.trn): \($0.reason)" }.joined(separator: "; ")))
            },
            on(ClawbackRequested.self) { m in
                (m.reference, .clawbackRequested, m.by, .clawback(mentors: m.mentors, amountPence: m.clawbackAmountPence, reason: nil))
            },
            on(ClawbackNotRequired.self) { m in (m.reference, .clawbackNotRequired, m.by, .clawbackCleared(reason: "No clawback required")) },
            on(ClawbackApproved.self) { m in
                (m.reference, .clawbackApproved, m.by, .clawback(mentors: m.mentors, amountPence: m.clawbackAmountPence, reason: nil))
            },
            on(ClawbackRejected.self) { m in (m.reference, .clawbackRejected, m.by, .clawbackCleared(reason: m.reason)) },
            on(ClawbackSent.self) { m in (m.fields.reference, .clawbackSent, nil, .none) },
            on(ClawbackCompleted.self) { m in (m.fields.reference, .clawbackCompleted, nil, .none) },
            .on(ClaimFlagged.self) { envelope, db in
                try StatusCopy.recordFlags(
                    envelope.payload.reasons,
                    on: envelope.payload.reference,
                    from: envelope.producer,
                    envelope: envelope.header,
                    in: db
                )
                return .applied
            },
            notification(NotificationSent.self, action: "email_sent") { $0.fields },
            notification(NotificationFailed.self, action: "email_failed") { $0.fields },
            notification(NotificationDelivered.self, action: "email_delivered") { $0.fields },
        ]
    }

    private func notification<M: BusMessage>(_ type: M.Type, action: String, fields: @escaping @Sendable (M) -> NotificationFields) -> MessageHandler
    {
        .on(M.self) { envelope, db in
            try StatusCopy.recordEmail(fields(envelope.payload), action: action, from: envelope.producer, envelope: envelope.header, in: db)
            return .applied
        }
    }

    private func on<M: BusMessage>(
        _ type: M.Type,
        _ interpret: @escaping @Sendable (M) -> (String, ClaimEvent, Actor?, StatusCopy.Effect)
    ) -> MessageHandler {
        let outbox = self.outbox
        return .on(M.self) { envelope, db in
            let (reference, event, by, effect) = interpret(envelope.payload)
            return try StatusCopy.apply(
                event,
                to: reference,
                by: by ?? .service(envelope.producer),
                effect: effect,
                envelope: envelope.header,
                db: db,
                outbox: outbox
            )
        }
    }
}
