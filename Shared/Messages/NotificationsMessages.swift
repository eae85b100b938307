import Foundation
import Messaging

/// `notification.sent`, `notification.failed` and `notification.delivered` share this shape.
public struct NotificationFields: Codable, Sendable, Equatable {
    public var notificationId: Int64
    public var template: String
    public var to: String
    public var reference: String?
    public var error: String?
    public init(notificationId: Int64, template: String, to: String, reference: String?, error: String?) {
        self.notificationId = notificationId
        self.template = template
        self.to = to
        self.reference = reference
        self.error = error
    }
    enum CodingKeys: String, CodingKey {
        case template, to, reference, error
        case notificationId = "notification_id"
    }
}

/// `notification.sent`: an email left for its recipient.
public struct NotificationSent: BusMessage, Equatable {
    public static let type = "notification.sent"
    public var fields: NotificationFields
    public init(fields: NotificationFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try NotificationFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}

/// `notification.failed`: an email could not be sent after every retry, or the mail service
/// reported that it was not delivered (a bounce).
public struct NotificationFailed: BusMessage, Equatable {
    public static let type = "notification.failed"
    public var fields: NotificationFields
    public init(fields: NotificationFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try NotificationFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}

/// `notification.delivered`: the mail service (GOV.UK Notify) reported that the recipient's mail
/// server took the email. A bounce is `notification.failed`, with the reason.
public struct NotificationDelivered: BusMessage, Equatable {
    public static let type = "notification.delivered"
    public var fields: NotificationFields
    public init(fields: NotificationFields) { self.fields = fields }
    public init(from decoder: any Decoder) throws { fields = try NotificationFields(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}
