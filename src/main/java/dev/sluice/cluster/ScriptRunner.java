package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: stateless apart from the connection, which Lettuce makes thread-safe; callable from any thread. Every
 * method only issues commands and composes their stages: nothing blocks, nothing waits.
 *
 * Algorithm: each script's SHA-1 is computed locally (LuaScript), so calls go straight out as EVALSHA: one round trip,
 * and the script body (1-3 KB) is not resent per call as EVAL would. The scripts are loaded once at connect. Redis
 * forgets them on restart, failover to a replica that never saw them, or SCRIPT FLUSH; EVALSHA then fails with
 * NOSCRIPT before running anything, so it is safe to SCRIPT LOAD and retry, once. Any other failure (a timeout above
 * all) is never retried: the script may have run, and a retried decision would count a request twice.
 */

/** Runs the cluster backend's Lua scripts by EVALSHA, reloading a script Redis has forgotten and retrying once. */
final class ScriptRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);

    private final RedisAsyncCommands<String, String> commands;

    ScriptRunner(RedisAsyncCommands<String, String> commands) {
        this.commands = requireNonNull(commands, "commands");
    }

    /** Loads every script (SCRIPT LOAD) and completes when Redis has all of them. */
    CompletionStage<Void> loadAll() {
        final List<CompletableFuture<String>> loads = new ArrayList<>();
        for (final LuaScript script : LuaScript.values()) {
            loads.add(load(script).toCompletableFuture());
        }
        return CompletableFuture.allOf(loads.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * Runs {@code script} with {@code keys} and {@code args}; the stage completes on a Lettuce I/O thread with the
     * script's reply, or exceptionally with the Redis failure (unwrapped).
     */
    <T> CompletionStage<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
        final CompletionStage<T> first = commands.evalsha(script.sha(), type, keys, args);
        return first.exceptionallyCompose(failure -> {
            if (!(unwrap(failure) instanceof RedisNoScriptException)) {
                return CompletableFuture.failedStage(failure);
            }
            LOG.info("Redis lost script {} (restart, failover or SCRIPT FLUSH); reloading it", script.fileName());
            return load(script).thenCompose(sha -> commands.<T>evalsha(sha, type, keys, args));
        });
    }

    private CompletionStage<String> load(LuaScript script) {
        return commands.scriptLoad(script.body()).thenApply(sha -> {
            // Redis hashes the same bytes we do; a mismatch would mean the charset differs, and EVALSHA would then
            // take the NOSCRIPT path on every call.
            assert sha.equals(script.sha()) : script.fileName() + ": " + sha + " != " + script.sha();
            return sha;
        });
    }

    /** Returns the failure a stage carries, without the CompletionException / ExecutionException wrappers. */
    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
