import Foundation
import Messaging
import MessagingZMQ
import Testing

/// A service's last step, ending the bus's ZeroMQ context, never holds up its exit.
@Suite struct BusShutdownTests {
    @Test func aTransportWithEverySocketClosedEndsAtOnce() throws {
        let transport = try ZMQBusTransport(maxMessageBytes: 1_048_576, curve: nil)
        let subscriber = try transport.connectSubscriber(to: BusPeer(name: "away", endpoint: "tcp://127.0.0.1:9"))
        subscriber.close()
        #expect(transport.shutdown(waitingAtMost: .seconds(3)))
    }

    /// libzmq's own thread held up (here by a socket still open; in a container by a stopped
    /// peer's name still being looked up): shutdown gives up after its bound and says so.
    @Test func aContextThatCannotEndDoesNotHoldUpShutdown() throws {
        let keys = try ZMQCurve.keyPair()
        let transport = try ZMQBusTransport(
            maxMessageBytes: 1_048_576,
            curve: BusCurveKeys(secretKey: keys.secretKey, allowedClientKeys: [keys.publicKey])
        )
        let stillOpen = try ZMQSocket(context: transport.context, type: .dealer)
        try stillOpen.connect("tcp://127.0.0.1:9")
        // Without the bound this call would never return.
        #expect(transport.shutdown(waitingAtMost: .milliseconds(500)) == false)
        // Once the socket closes, the context ends in the background as usual.
        stillOpen.close(lingerMilliseconds: 0)
    }
}
