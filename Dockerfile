# syntax=docker/dockerfile:1
# Multi-stage build of the Sluice gateway.
#   docker build -t sluice .
#   docker run -p 8080:8080 -v $PWD/gateway.yaml:/etc/sluice/gateway.yaml:ro sluice
# The configuration is read from /etc/sluice/gateway.yaml (mount a file or a ConfigMap there; it is watched and
# valid changes apply live). Override with: docker run ... sluice run -c /path/in/container.yaml

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, so source edits do not invalidate the dependency layer.
COPY pom.xml .
RUN mvn -q -B -ntp dependency:go-offline
COPY src ./src
RUN mvn -q -B -ntp -DskipTests package

FROM eclipse-temurin:17-jre-jammy
RUN groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid sluice --home-dir /opt/sluice --shell /usr/sbin/nologin sluice \
 && mkdir -p /etc/sluice
WORKDIR /opt/sluice
COPY --from=build /src/target/sluice.jar /opt/sluice/sluice.jar
COPY sluice /opt/sluice/sluice
COPY deploy/gateway.yaml /etc/sluice/gateway.yaml
ENV SLUICE_LISTEN=0.0.0.0:8080 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
EXPOSE 8080
# exec form: the JVM is PID 1's child via the launcher's exec, so SIGTERM reaches it and triggers the drain.
ENTRYPOINT ["/opt/sluice/sluice"]
CMD ["run", "-c", "/etc/sluice/gateway.yaml"]
