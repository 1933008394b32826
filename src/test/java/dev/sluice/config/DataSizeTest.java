package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataSizeTest {
    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
        "512, 512",
        "512b, 512",
        "64kb, 65536",
        "64k, 65536",
        "64KB, 65536",
        "10mb, 10485760",
        "10M, 10485760",
        "1gb, 1073741824",
        "1g, 1073741824",
        "0, 0",
    })
    void parse_validText_returnsBytes(String text, long bytes) {
        assertThat(DataSize.parse(text)).isEqualTo(DataSize.ofBytes(bytes));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "kb", "-1kb", "1.5mb", "5 parsecs", "10tb", "9999999999999999gb",
        "99999999999999999999"})
    void parse_invalidText_throwsNamingValue(String text) {
        assertThatThrownBy(() -> DataSize.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("\"" + text + "\"");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"512", "64kb", "10mb", "1gb", "1025"})
    void toString_parsedValue_roundTrips(String text) {
        assertThat(DataSize.parse(DataSize.parse(text).toString())).isEqualTo(DataSize.parse(text));
    }
}
