package io.dfly.logging;

import java.util.logging.ConsoleHandler;
import java.util.logging.LogRecord;

/**
 * The JDK's console handler (standard error) with {@link KnownNoise} applied first. Configured like it, under
 * its own name: {@code io.dfly.logging.ConsoleLogHandler.level}, {@code .formatter}.
 */
public class ConsoleLogHandler extends ConsoleHandler {
    @Override
    public void publish(LogRecord record) {
        super.publish(KnownNoise.rewrite(record));
    }
}
