package dev.sluice.cli;

import dev.sluice.Gateway;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.GatewayConfig;
import dev.sluice.demo.EchoServer;
import dev.sluice.runtime.SnapshotCompiler;
import dev.sluice.runtime.StateRegistry;
import dev.sluice.server.Transport;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command-line entry point: {@code sluice run|validate|version|echo}. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCli.Version.class,
        description = "Sluice API gateway.",
        subcommands = {SluiceCli.Run.class, SluiceCli.Validate.class, SluiceCli.VersionCommand.class,
                SluiceCli.Echo.class})
public final class SluiceCli implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SluiceCli.class);

    /** Exit status for an invalid configuration (distinct from 1, an unexpected failure). */
    static final int EXIT_INVALID_CONFIG = 2;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SluiceCli()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Loads, validates and compiles a file; prints every problem to stderr. Null when invalid. */
    static GatewayConfig loadOrReport(Path file) {
        final ConfigResult result = ConfigLoader.load(file);
        final List<String> problems = new ArrayList<>();
        if (!result.isValid()) {
            result.problems().forEach(p -> problems.add(p.toString()));
        } else {
            final SnapshotCompiler.Result compiled = new SnapshotCompiler(new StateRegistry()).compile(result.config());
            problems.addAll(compiled.problems());
        }
        if (problems.isEmpty()) {
            return result.config();
        }
        System.err.println(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        problems.forEach(p -> System.err.println("  " + p));
        return null;
    }

    /** {@code sluice run -c FILE}: runs the gateway and applies valid edits of FILE live. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the gateway; the config file is watched and valid changes apply live.")
    static final class Run implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "YAML configuration file.")
        Path config;

        @Option(names = "--no-watch", description = "Do not watch the configuration file for changes.")
        boolean noWatch;

        @Override
        public Integer call() throws Exception {
            final GatewayConfig cfg = loadOrReport(config);
            if (cfg == null) {
                return EXIT_INVALID_CONFIG;
            }
            final Gateway gateway = Gateway.start(cfg);
            if (!noWatch) {
                gateway.watch(config, System::getenv);
            }
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("shutdown requested: draining in-flight requests");
                gateway.stop();
                stopped.countDown();
            }, "sluice-shutdown"));
            stopped.await();
            return 0;
        }
    }

    /** {@code sluice validate -c FILE}: prints every problem and exits non-zero when there is one. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Check a configuration file; prints every problem with its path.")
    static final class Validate implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, description = "YAML configuration file.")
        Path config;

        @Override
        public Integer call() {
            final GatewayConfig cfg = loadOrReport(config);
            if (cfg == null) {
                return EXIT_INVALID_CONFIG;
            }
            System.out.println(config + ": OK (" + cfg.routes().size() + " routes, " + cfg.upstreams().size()
                    + " upstreams)");
            return 0;
        }
    }

    /** {@code sluice version}. */
    @Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version.")
    static final class VersionCommand implements Runnable {
        @Override
        public void run() {
            System.out.println("sluice " + Version.current());
        }
    }

    /** {@code sluice echo --port N}: demo upstream servers. */
    @Command(name = "echo", mixinStandardHelpOptions = true,
            description = "Run demo echo servers: JSON description of each request, or its body echoed back.")
    static final class Echo implements Callable<Integer> {
        @Option(names = {"-p", "--port"}, required = true, split = ",",
                description = "Port(s) to listen on; one server per port.")
        List<Integer> ports;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
        String host;

        @Override
        public Integer call() throws Exception {
            final Transport transport = Transport.best();
            final MultiThreadIoEventLoopGroup group = transport.newGroup(1, "sluice-echo");
            final List<EchoServer> servers = new ArrayList<>();
            for (int port : ports) {
                final EchoServer s = EchoServer.start(group, transport.serverChannel(),
                        new InetSocketAddress(host, port), "echo-" + port);
                servers.add(s);
                System.out.println("echo server " + s.name() + " listening on " + s.address());
            }
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                servers.forEach(EchoServer::close);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                stopped.countDown();
            }, "sluice-echo-shutdown"));
            stopped.await();
            return 0;
        }
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        static String current() {
            final String v = SluiceCli.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        @Override
        public String[] getVersion() {
            return new String[] {"sluice " + current()};
        }
    }
}
