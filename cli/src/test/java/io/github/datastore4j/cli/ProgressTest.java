package io.github.datastore4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Progress shown as plain lines (standard error not a terminal)")
class ProgressTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private Progress.Plain plain(long total, Progress.Unit unit) {
        return new Progress.Plain("export users", total, unit, out, now::get, Duration.ofSeconds(2));
    }

    private String[] lines() {
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? new String[0] : text.split("\n");
    }

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    @DisplayName("prints at most one line per interval, with count, percentage, rate and ETA")
    void printsOneLinePerIntervalWithRateAndEta() {
        try (Progress.Plain progress = plain(1_000_000, Progress.Unit.RECORDS)) {
            progress.step(1_000);
            assertThat(lines()).isEmpty();
            advance(Duration.ofSeconds(2));
            progress.stepTo(200_000);
            progress.step(1);
            assertThat(lines())
                    .containsExactly(
                            "export users: 200,000 of 1,000,000 records (20%), 100,000 records/s, ETA 0:00:08");
            advance(Duration.ofSeconds(2));
            progress.stepTo(400_000);
            assertThat(lines()).hasSize(2);
            assertThat(lines()[1])
                    .isEqualTo("export users: 400,000 of 1,000,000 records (40%), 100,000 records/s, ETA 0:00:06");
            advance(Duration.ofSeconds(1));
            progress.stepTo(1_000_000);
        }
        assertThat(lines()).hasSize(3);
        assertThat(lines()[2])
                .isEqualTo("export users: 1,000,000 of 1,000,000 records (100%), 200,000 records/s, done in 5.0 s");
    }

    @Test
    @DisplayName("prints nothing for a task over before the first interval: the command's summary suffices")
    void staysQuietForAShortTask() {
        try (Progress.Plain progress = plain(10, Progress.Unit.RECORDS)) {
            progress.step(10);
        }
        assertThat(lines()).isEmpty();
    }

    @Test
    @DisplayName("without a total shows count and rate, no percentage and no ETA")
    void withoutATotalShowsCountAndRate() {
        try (Progress.Plain progress = plain(-1, Progress.Unit.MEBIBYTES)) {
            advance(Duration.ofSeconds(4));
            progress.stepTo(8L << 20);
        }
        assertThat(lines()[0]).isEqualTo("export users: 8.0 MiB, 2.0 MiB/s");
    }

    @Test
    @DisplayName("closes once: a second close prints nothing more")
    void closesOnce() {
        Progress.Plain progress = plain(4, Progress.Unit.RECORDS);
        advance(Duration.ofSeconds(3));
        progress.step(2);
        progress.close();
        progress.close();
        assertThat(lines()).hasSize(2);
    }
}
