package io.github.datastore4j.api;

import static java.util.Objects.requireNonNull;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Settings for a {@link Storage}: the engine's (durability, auto-save interval, value size limit) and any the
 * backend defines. The same settings can be written in the URI's query, {@code json:./data?durability=interval},
 * and given in code; a setting given in code wins over the URI.
 *
 * <pre>{@code
 * StorageOptions options = StorageOptions.builder()
 *         .durability(Durability.INTERVAL)
 *         .autosaveInterval(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe. Unknown setting names are rejected by {@link Storage#open} with an
 * {@link ErrorCode#INVALID_OPTION} error listing the names the engine and the backend know.
 */
public final class StorageOptions {
    /** Setting name of {@link #durability()}. */
    public static final String DURABILITY = "durability";
    /** Setting name of {@link #autosaveInterval()}. */
    public static final String AUTOSAVE = "autosave";
    /** Setting name of {@link #maxValueBytes()}. */
    public static final String MAX_VALUE_BYTES = "maxValueBytes";

    /** Setting name of {@link #quarantineCorrupt()}: {@code onCorrupt=fail|quarantine}. */
    public static final String ON_CORRUPT = "onCorrupt";

    /** Setting name of {@link #retries()}. */
    public static final String RETRIES = "retries";
    /** Setting name of {@link #retryBackoff()}. */
    public static final String RETRY_BACKOFF = "retryBackoff";
    /** Setting name of {@link #writesPerSecond()}. */
    public static final String WRITES_PER_SECOND = "writesPerSecond";
    /** Setting name of {@link #debug()}. */
    public static final String DEBUG = "debug";

    /** The largest serialized value accepted by default: 16 MiB. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024;

    private static final StorageOptions DEFAULTS = new StorageOptions(Map.of(), null);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final Map<String, String> settings;
    private final JsonMapper jsonMapper;

    private StorageOptions(Map<String, String> settings, JsonMapper jsonMapper) {
        this.settings = Collections.unmodifiableMap(new TreeMap<>(settings));
        this.jsonMapper = jsonMapper;
    }

    /** No settings: every value is its default. */
    public static StorageOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses a URI query such as {@code durability=interval&autosave=5s}; names and values are URL-decoded.
     *
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION} if a part has no {@code =} or a name is
     *     repeated
     */
    public static StorageOptions fromQuery(String rawQuery) {
        Builder builder = builder();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return builder.build();
        }
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw invalid("URI setting '" + part + "' is not of the form name=value");
            }
            String name = URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8);
            String value = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (builder.settings.containsKey(name)) {
                throw invalid("URI setting '" + name + "' is given twice");
            }
            builder.set(name, value);
        }
        return builder.build();
    }

    /** These settings, overridden by every setting {@code overrides} has (and by its mapper, if it has one). */
    public StorageOptions overriddenBy(StorageOptions overrides) {
        Builder builder = builder();
        builder.settings.putAll(settings);
        builder.settings.putAll(overrides.settings);
        builder.jsonMapper = overrides.jsonMapper != null ? overrides.jsonMapper : jsonMapper;
        return builder.build();
    }

    /**
     * The mapper that turns the application's objects into JSON trees and back — for {@code set}, {@code push},
     * typed {@code get}, typed {@code update} and {@link Document#value(Class)} of the documents the storage returns —
     * if one was given; Jackson's default otherwise. Give one for
     * Kotlin data classes, {@code java.time} types or custom serializers. Stored bytes are always read and written
     * by the engine's own reader under its value limits, so a mapper cannot make a store unreadable.
     */
    public Optional<JsonMapper> jsonMapper() {
        return Optional.ofNullable(jsonMapper);
    }

    /** Every setting, by name, in name order. */
    public Map<String, String> asMap() {
        return settings;
    }

    /** The raw value of a setting, if given. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** The durability mode, if given; the engine picks the backend's default otherwise. */
    public Optional<Durability> durability() {
        return get(DURABILITY).map(value -> {
            try {
                return Durability.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw invalid("durability '" + value + "' is not one of sync, interval, none");
            }
        });
    }

    /** How often {@link Durability#INTERVAL} saves; default 1 second. Written as {@code 500ms}, {@code 5s}, … */
    public Duration autosaveInterval() {
        Duration interval = get(AUTOSAVE).map(StorageOptions::parseDuration).orElse(Duration.ofSeconds(1));
        if (interval.isZero()) {
            throw invalid("autosave interval must be positive, was '" + settings.get(AUTOSAVE) + "'");
        }
        return interval;
    }

    /** The largest serialized value, in bytes, that a write accepts; default 16 MiB. */
    public int maxValueBytes() {
        return get(MAX_VALUE_BYTES)
                .map(value -> {
                    try {
                        int max = Integer.parseInt(value.trim());
                        if (max <= 0) {
                            throw invalid("maxValueBytes must be positive, was " + value);
                        }
                        return max;
                    } catch (NumberFormatException e) {
                        throw invalid("maxValueBytes '" + value + "' is not a whole number of bytes");
                    }
                })
                .orElse(DEFAULT_MAX_VALUE_BYTES);
    }

    /**
     * Whether a damaged record found on load is moved aside and reported ({@code onCorrupt=quarantine}) rather than
     * failing the load with {@link CorruptDataException} ({@code onCorrupt=fail}, the default).
     */
    public boolean quarantineCorrupt() {
        String value =
                get(ON_CORRUPT).map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("fail");
        switch (value) {
            case "fail":
                return false;
            case "quarantine":
                return true;
            default:
                throw invalid("onCorrupt '" + settings.get(ON_CORRUPT) + "' is not one of fail, quarantine");
        }
    }

    /**
     * How many times a failed backend commit is tried again before its error reaches the callers; default 3, 0 turns
     * retries off. Commits are idempotent (each mutation states the whole record), so a retry cannot double a change.
     */
    public int retries() {
        return get(RETRIES)
                .map(value -> {
                    try {
                        int retries = Integer.parseInt(value.trim());
                        if (retries < 0 || retries > 100) {
                            throw invalid("retries must be from 0 to 100, was " + value);
                        }
                        return retries;
                    } catch (NumberFormatException e) {
                        throw invalid("retries '" + value + "' is not a whole number");
                    }
                })
                .orElse(3);
    }

    /**
     * The wait before the first retry; each further retry doubles it, up to 100 times it, and the actual wait is
     * drawn at random between zero and that (full jitter) so that writers do not retry in step. Default 50 ms.
     */
    public Duration retryBackoff() {
        Duration backoff = get(RETRY_BACKOFF).map(StorageOptions::parseDuration).orElse(Duration.ofMillis(50));
        if (backoff.isZero()) {
            throw invalid("retryBackoff must be positive, was '" + settings.get(RETRY_BACKOFF) + "'");
        }
        return backoff;
    }

    /**
     * The most records per second the engine hands to the backend, or 0 (the default) for no limit. Throttled
     * changes wait in the commit queue — and share the next commit — none is dropped; an urgent save ({@code save()},
     * close, shutdown) is not held back.
     */
    public double writesPerSecond() {
        return get(WRITES_PER_SECOND)
                .map(value -> {
                    try {
                        double rate = Double.parseDouble(value.trim());
                        if (!(rate > 0) || Double.isInfinite(rate)) {
                            throw invalid("writesPerSecond must be a positive number, was " + value);
                        }
                        return rate;
                    } catch (NumberFormatException e) {
                        throw invalid("writesPerSecond '" + value + "' is not a number");
                    }
                })
                .orElse(0.0);
    }

    /** Whether every operation queued for the backend is logged, one INFO line each; default false. */
    public boolean debug() {
        String value = get(DEBUG).map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("false");
        switch (value) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw invalid("debug '" + settings.get(DEBUG) + "' is not one of true, false");
        }
    }

    /**
     * Parses {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or an ISO-8601 duration such as {@code PT5S}.
     *
     * @throws DatastoreException with {@link ErrorCode#INVALID_OPTION} for anything else
     */
    public static Duration parseDuration(String text) {
        String trimmed = text.trim();
        Matcher matcher = DURATION.matcher(trimmed);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            switch (matcher.group(2)) {
                case "ms":
                    return Duration.ofMillis(amount);
                case "s":
                    return Duration.ofSeconds(amount);
                case "m":
                    return Duration.ofMinutes(amount);
                default:
                    return Duration.ofHours(amount);
            }
        }
        try {
            Duration duration = Duration.parse(trimmed);
            if (duration.isNegative()) {
                throw invalid("duration '" + text + "' is negative");
            }
            return duration;
        } catch (java.time.format.DateTimeParseException e) {
            throw invalid("duration '" + text + "' is not like 500ms, 5s, 2m, 1h or PT5S");
        }
    }

    private static DatastoreException invalid(String message) {
        return new DatastoreException(ErrorCode.INVALID_OPTION, message);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StorageOptions
                && settings.equals(((StorageOptions) other).settings)
                && jsonMapper == ((StorageOptions) other).jsonMapper;
    }

    @Override
    public int hashCode() {
        return settings.hashCode() * 31 + System.identityHashCode(jsonMapper);
    }

    @Override
    public String toString() {
        return "StorageOptions" + settings + (jsonMapper == null ? "" : " with a JsonMapper");
    }

    /** Builds {@link StorageOptions}; not thread-safe. */
    public static final class Builder {
        private final Map<String, String> settings = new TreeMap<>();
        private JsonMapper jsonMapper;

        private Builder() {}

        /**
         * Maps the application's objects with {@code mapper}, e.g. one with the Kotlin or Java time module: see
         * {@link StorageOptions#jsonMapper()}. Code only; a URI cannot carry it.
         */
        public Builder jsonMapper(JsonMapper mapper) {
            this.jsonMapper = requireNonNull(mapper, "mapper");
            return this;
        }

        public Builder durability(Durability durability) {
            return set(DURABILITY, durability.name().toLowerCase(Locale.ROOT));
        }

        public Builder autosaveInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("autosave interval must be positive, was " + interval);
            }
            return set(AUTOSAVE, interval.toMillis() + "ms");
        }

        /** Move damaged records aside on load and report them, instead of failing the load. */
        public Builder quarantineCorrupt(boolean quarantine) {
            return set(ON_CORRUPT, quarantine ? "quarantine" : "fail");
        }

        public Builder maxValueBytes(int maxValueBytes) {
            if (maxValueBytes <= 0) {
                throw new IllegalArgumentException("maxValueBytes must be positive, was " + maxValueBytes);
            }
            return set(MAX_VALUE_BYTES, Integer.toString(maxValueBytes));
        }

        /** Sets any setting by name, such as a backend's own. */
        public Builder set(String name, String value) {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
            if (name.isBlank()) {
                throw new IllegalArgumentException("setting name is blank");
            }
            settings.put(name, value);
            return this;
        }

        public StorageOptions build() {
            return settings.isEmpty() && jsonMapper == null ? DEFAULTS : new StorageOptions(settings, jsonMapper);
        }
    }
}
