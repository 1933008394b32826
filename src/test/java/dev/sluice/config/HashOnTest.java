package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HashOnTest {
    @Test
    void parse_header_keepsNameCase() {
        assertThat(HashOn.parse("header:X-User")).isEqualTo(new HashOn(HashOn.Source.HEADER, "X-User"));
    }

    @Test
    void parse_cookie_returnsCookieSource() {
        assertThat(HashOn.parse("cookie:session")).isEqualTo(new HashOn(HashOn.Source.COOKIE, "session"));
    }

    @Test
    void parse_clientIpAndPath_haveNoName() {
        assertThat(HashOn.parse("client_ip")).isEqualTo(new HashOn(HashOn.Source.CLIENT_IP, null));
        assertThat(HashOn.parse("path")).isEqualTo(new HashOn(HashOn.Source.PATH, null));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "header:", "cookie: ", "ip", "query:x", "header"})
    void parse_invalid_listsAcceptedForms(String text) {
        assertThatThrownBy(() -> HashOn.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected header:<name>, cookie:<name>, client_ip or path");
    }

    @Test
    void toString_parsedValue_roundTrips() {
        assertThat(HashOn.parse("header:X-User")).hasToString("header:X-User");
        assertThat(HashOn.parse("client_ip")).hasToString("client_ip");
    }
}
