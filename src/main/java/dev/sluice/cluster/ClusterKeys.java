package dev.sluice.cluster;

import static java.util.Objects.requireNonNull;

/**
 * The Redis key layout of the cluster backend.
 *
 * <p>Every key carries a Redis Cluster hash tag (the part in braces), so everything one script call touches hashes to
 * one slot: {@code sluice:rl:{<policyId>:<key>}:<algorithm>} for limiter state and
 * {@code sluice:instances:{<cluster>}} for the heartbeat set. The policy id may not contain {@code :}, {@code {} or
 * {@code }}, which keeps the layout unambiguous ("a:b" + "c" and "a" + "b:c" must not share a key) whatever the
 * client key holds; a {@code }} inside the client key only shortens the hash tag, and each call touches one key, so
 * the one-slot property holds regardless.
 */
final class ClusterKeys {
    private ClusterKeys() {
    }

    /** Returns the state key of {@code (policyId, key)} for the algorithm with suffix {@code algorithm}. */
    static String limiter(String policyId, String key, String algorithm) {
        requireNonNull(key, "key");
        checkId(policyId, "policyId");
        return "sluice:rl:{" + policyId + ':' + key + "}:" + algorithm;
    }

    /** Returns the heartbeat set of the gateway cluster {@code cluster}. */
    static String instances(String cluster) {
        checkId(cluster, "cluster");
        return "sluice:instances:{" + cluster + '}';
    }

    private static void checkId(String id, String name) {
        requireNonNull(id, name);
        if (id.isEmpty() || id.indexOf(':') >= 0 || id.indexOf('{') >= 0 || id.indexOf('}') >= 0) {
            throw new IllegalArgumentException(name + ": '" + id + "' (expected: non-empty, without ':', '{', '}')");
        }
    }
}
