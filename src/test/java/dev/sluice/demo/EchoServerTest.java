package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EchoServerTest {
    private static MultiThreadIoEventLoopGroup group;
    private static EchoServer server;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = EchoServer.start(group, NioServerSocketChannel.class, new InetSocketAddress("127.0.0.1", 0), "e1");
    }

    @AfterAll
    static void stop() {
        server.close();
        group.shutdownGracefully().syncUninterruptibly();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    @Test
    void get_describesRequestAsJson() throws Exception {
        final HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri("/hello?x=1")).header("X-Test", "yes")
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).contains("\"server\":\"e1\"", "\"method\":\"GET\"", "\"uri\":\"/hello?x=1\"",
                "\"x-test\":\"yes\"");
    }

    @Test
    void post_echoesBodyBack() throws Exception {
        final HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("ping pong")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ping pong");
    }

    @Test
    void statusParameter_setsStatus() throws Exception {
        final HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri("/x?status=503")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(503);
    }
}
