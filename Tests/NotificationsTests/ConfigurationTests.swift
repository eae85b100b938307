import ServiceSupport
import Testing

@testable import Notifications

/// Notifications' own settings: how emails are sent, and to whom people write back.
@Suite struct NotificationsConfigurationTests {
    @Test func theDefaultsWriteEmailsToFiles() throws {
        let configuration = try Configuration.load(from: EnvironmentReader([:]))
        #expect(configuration.mail.transport == .file)
        #expect(configuration.mail.directory == "./.data/mail")
        #expect(configuration.mail.supportAddress == "support@example.invalid")
        #expect(configuration.common.service == .notifications)
    }

    @Test func smtpNeedsAHost() throws {
        #expect(throws: ConfigurationError(variable: "SMTP_HOST", message: "required when MAIL_TRANSPORT is smtp")) {
            try Configuration.load(from: EnvironmentReader(["MAIL_TRANSPORT": "smtp"]))
        }
        let smtp = try Configuration.load(from: EnvironmentReader(["MAIL_TRANSPORT": "smtp", "SMTP_HOST": "mail.internal"]))
        #expect(smtp.mail.transport == .smtp && smtp.mail.smtpHost == "mail.internal" && smtp.mail.smtpStartTLS)
    }

    @Test(arguments: [
        ("MAIL_TRANSPORT", "pigeon"), ("SMTP_STARTTLS", "maybe"), ("SMTP_PORT", "0"), ("MAIL_RATE_PER_SECOND", "0"),
        ("MAIL_RETRY_BASE_SECONDS", "never"), ("SUPPORT_EMAIL_ADDRESS", "a@example.gov.uk,b@example.gov.uk"), ("SMTP_PASSWORD", " "),
        ("LOG_LEVEL", "loud"),
    ])
    func aBadValueIsRefusedNamingTheVariable(variable: String, value: String) {
        do {
            _ = try Configuration.load(from: EnvironmentReader([variable: value]))
            Issue.record("\(variable)=\(value) was accepted")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func itListsEveryVariableItReads() {
        for name in ["MAIL_TRANSPORT", "SMTP_HOST", "SUPPORT_EMAIL_ADDRESS", "HTTP_PORT", "LOG_FORMAT"] {
            #expect(Configuration.variableNames.contains(name))
        }
        #expect(!Configuration.variableNames.contains("PAYER_EMAIL_ADDRESSES"))
    }
}
