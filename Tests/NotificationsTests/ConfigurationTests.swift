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

    static let notifyKey = "mentor_claims_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
    static let template = "f33517ff-2a88-4f6e-b855-c550268ce08a"

    @Test func notifyNeedsAKeyAndATemplateAndSpeaksHTTPSBeyondLoopback() throws {
        let notify = try Configuration.load(
            from: EnvironmentReader(["MAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": Self.notifyKey, "NOTIFY_TEMPLATE_ID": Self.template])
        )
        #expect(notify.mail.transport == .notify)
        #expect(notify.mail.notify?.key.serviceID == "26785a09-ab16-4eb0-8407-a37497a57506")
        #expect(notify.mail.notify?.baseURL == "https://api.notifications.service.gov.uk")
        #expect(notify.mail.notify?.firstStatusCheck == 60)
        #expect(notify.mail.notify?.requestsPerMinute == 2700)
        let cases: [([String: String], String)] = [
            (["NOTIFY_TEMPLATE_ID": Self.template], "NOTIFY_API_KEY"),
            (["NOTIFY_API_KEY": "not-a-key", "NOTIFY_TEMPLATE_ID": Self.template], "NOTIFY_API_KEY"),
            (["NOTIFY_API_KEY": Self.notifyKey], "NOTIFY_TEMPLATE_ID"),
            (["NOTIFY_API_KEY": Self.notifyKey, "NOTIFY_TEMPLATE_ID": "welcome"], "NOTIFY_TEMPLATE_ID"),
            (
                ["NOTIFY_API_KEY": Self.notifyKey, "NOTIFY_TEMPLATE_ID": Self.template, "NOTIFY_BASE_URL": "http://notify.internal"],
                "NOTIFY_BASE_URL"
            ),
            (
                ["NOTIFY_API_KEY": Self.notifyKey, "NOTIFY_TEMPLATE_ID": Self.template, "NOTIFY_STATUS_CHECK_SECONDS": "0"],
                "NOTIFY_STATUS_CHECK_SECONDS"
            ),
        ]
        for (variables, named) in cases {
            do {
                _ = try Configuration.load(from: EnvironmentReader(variables.merging(["MAIL_TRANSPORT": "notify"]) { $1 }))
                Issue.record("\(variables) was accepted")
            } catch let error as ConfigurationError {
                #expect(error.variable == named)
                #expect(!error.message.contains("3d844edf"))  // the secret is never repeated
            }
        }
        let local = try Configuration.load(
            from: EnvironmentReader([
                "MAIL_TRANSPORT": "notify", "NOTIFY_API_KEY": Self.notifyKey, "NOTIFY_TEMPLATE_ID": Self.template,
                "NOTIFY_BASE_URL": "http://127.0.0.1:9999",
            ])
        )
        #expect(local.mail.notify?.baseURL == "http://127.0.0.1:9999")
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
