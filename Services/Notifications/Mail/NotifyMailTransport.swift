import Foundation

/// Emails through GOV.UK Notify (`MAIL_TRANSPORT=notify`), as DfE services send them: one generic
/// template (`NOTIFY_TEMPLATE_ID`) whose `subject` and `body` are personalisation, the body the
/// email's plain text (Notify lays it out: "- " lines become a list, addresses become links),
/// and the reference its Message-ID, which says nothing about the recipient and is the same on
/// every attempt, so a retry after a lost answer can find the email Notify already took.
///
/// Notify sets the sender and the reply-to address itself, from the service's settings there.
struct NotifyMailTransport: MailTransport {
    let client: NotifyClient
    let templateID: String

    var recognisesRetries: Bool { true }

    func send(_ email: Email) async throws -> String? {
        try await client.sendEmail(
            to: SMTPMailTransport.address(email.to),
            templateID: templateID,
            personalisation: ["subject": email.subject, "body": email.body],
            reference: email.messageID
        )
    }

    /// A notification with this email's reference that Notify did not give up on at once (a
    /// technical failure was never sent, so it does not count).
    func alreadySent(_ email: Email) async throws -> String? {
        try await client.notifications(reference: email.messageID).first { DeliveryStatus(notify: $0.status) != .technicalFailure }?.id
    }

    func deliveryStatus(of id: String) async throws -> DeliveryStatus {
        do {
            return DeliveryStatus(notify: try await client.notification(id: id).status)
        } catch .refused(404, _) {
            // Notify keeps notifications for 7 days: one it no longer has has no status to give.
            return .unknown
        }
    }

    func close() async {
        client.close()
    }
}
