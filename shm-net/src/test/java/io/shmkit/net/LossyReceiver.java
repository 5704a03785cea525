package io.shmkit.net;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.LossGenerator;
import io.shmkit.core.SegmentDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A receiving bridge JVM whose media driver drops every datagram it receives while the file
 * {@code DROP} exists: a network outage the test switches on and off. Its images time out after
 * 2 s instead of Aeron's 10, so that an outage makes Aeron build a new image in a short test.
 *
 * <pre>LossyReceiver DIR QUEUE DATA CONTROL DROP</pre>
 */
public final class LossyReceiver {
    private LossyReceiver() {}

    /** Its driver's directory under /dev/shm: the test deletes it if this JVM was killed. */
    static String aeronDirName(long pid) {
        return "shmkit-test-lossy-" + pid;
    }

    public static void main(String[] args) {
        Path drop = Path.of(args[4]);
        LossGenerator outage = (address, buffer, length) -> Files.exists(drop);
        String aeronDir = "/dev/shm/" + aeronDirName(ProcessHandle.current().pid());
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir)
                .threadingMode(ThreadingMode.SHARED)
                .imageLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(2))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .receiveChannelEndpointSupplier((channel, dispatcher, status, context) ->
                        new DebugReceiveChannelEndpoint(channel, dispatcher, status, context, outage, outage)));
             QueueReceiver receiver = QueueReceiver.open(SegmentDirectory.of(Path.of(args[0])), args[1],
                     BridgeOptions.of(args[2], args[3]).withAeronDirectory(aeronDir))) {
            receiver.run();
            System.out.println("wrote " + receiver.messagesWritten() + " messages; lost " + receiver.state().lost());
        }
    }
}
