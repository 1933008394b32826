package dev.sluice.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The Lua scripts of the cluster backend, each read once from the classpath with its SHA-1 for EVALSHA. */
enum LuaScript {
    TOKEN_BUCKET("token_bucket.lua"),
    LEAKY_BUCKET("leaky_bucket.lua"),
    FIXED_WINDOW("fixed_window.lua"),
    SLIDING_WINDOW("sliding_window.lua"),
    SLIDING_LOG("sliding_log.lua"),
    CONCURRENCY_ACQUIRE("concurrency_acquire.lua"),
    CONCURRENCY_RELEASE("concurrency_release.lua"),
    INSTANCE_HEARTBEAT("instance_heartbeat.lua");

    /** Largest integer every double (Lua number) represents exactly; the specs keep script arithmetic below it. */
    static final long EXACT_LIMIT = 1L << 53;

    /** The time argument (ARGV[1]) that makes a script read Redis {@code TIME}. */
    static final String SERVER_TIME = "";

    private final String fileName;
    private final String body;
    private final String sha;

    LuaScript(String fileName) {
        this.fileName = fileName;
        this.body = read(fileName);
        this.sha = sha1Hex(body);
    }

    String fileName() {
        return fileName;
    }

    String body() {
        return body;
    }

    /** The SHA-1 Redis files this script under; computed here, so EVALSHA needs no SCRIPT LOAD reply first. */
    String sha() {
        return sha;
    }

    private static String read(String fileName) {
        try (InputStream in = LuaScript.class.getResourceAsStream(fileName)) {
            if (in == null) {
                throw new IllegalStateException("missing resource dev/sluice/cluster/" + fileName);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1Hex(String text) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            final StringBuilder hex = new StringBuilder(40);
            for (final byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}
