package dev.sluice.upstream.balance;

import io.netty.util.AsciiString;

/** A {@link PickContext} with fixed values whose lookups allocate nothing, so allocation tests can use it. */
final class FakePickContext implements PickContext {
    private final String clientIp;
    private final String path;
    private final String[] headers;
    private final String[] cookies;

    private FakePickContext(String clientIp, String path, String[] headers, String[] cookies) {
        this.clientIp = clientIp;
        this.path = path;
        this.headers = headers;
        this.cookies = cookies;
    }

    static FakePickContext fromIp(String clientIp) {
        return new FakePickContext(clientIp, "/", new String[0], new String[0]);
    }

    FakePickContext withPath(String newPath) {
        return new FakePickContext(clientIp, newPath, headers, cookies);
    }

    FakePickContext withHeader(String name, String value) {
        return new FakePickContext(clientIp, path, append(headers, name, value), cookies);
    }

    FakePickContext withCookie(String name, String value) {
        return new FakePickContext(clientIp, path, headers, append(cookies, name, value));
    }

    @Override
    public String clientIp() {
        return clientIp;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(CharSequence name) {
        for (int i = 0; i < headers.length; i += 2) {
            // Header names are case-insensitive (RFC 9110, section 5.1).
            if (AsciiString.contentEqualsIgnoreCase(headers[i], name)) {
                return headers[i + 1];
            }
        }
        return null;
    }

    @Override
    public String cookie(String name) {
        for (int i = 0; i < cookies.length; i += 2) {
            if (cookies[i].equals(name)) {
                return cookies[i + 1];
            }
        }
        return null;
    }

    private static String[] append(String[] pairs, String name, String value) {
        final String[] result = new String[pairs.length + 2];
        System.arraycopy(pairs, 0, result, 0, pairs.length);
        result[pairs.length] = name;
        result[pairs.length + 1] = value;
        return result;
    }
}
