/*
 * Runs Apache Solr embedded in Jetty for development and tests, without a Solr distribution:
 * only the jars that scripts/solr.sh build gathers from Maven Central (solr/pom.xml).
 *
 *   java -cp '<cache>/lib/*' -Dsolr.log.dir=... -Dlog4j2.configurationFile=... \
 *        solr/Launcher.java SOLR_HOME PORT
 *
 * (a single-file source launch; scripts/solr.sh compiles it once with javac instead, which
 * saves about 50 MB of memory and a second of start-up).
 *
 * Jetty listens on 127.0.0.1 only (JettySolrRunner binds loopback); Solr is under /solr.
 * SIGTERM / SIGINT stop Solr cleanly (cores are closed, indexes committed) through a
 * shutdown hook. Started by scripts/solr.sh start, which waits for the "up" line below.
 */
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.apache.logging.log4j.LogManager;
import org.apache.solr.core.CoreContainer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

public class Launcher {

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Launcher SOLR_HOME PORT");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath().normalize();
    int port;
    try {
      port = Integer.parseInt(args[1]);
    } catch (NumberFormatException e) {
      System.err.println("Launcher: port is not a number: " + args[1]);
      System.exit(2);
      return;
    }
    if (!Files.isRegularFile(home.resolve("solr.xml"))) {
      System.err.println("Launcher: no solr.xml in Solr home " + home);
      System.exit(2);
    }
    long t0 = System.nanoTime();

    JettyConfig config =
        JettyConfig.builder()
            .setPort(port)
            .setContext("/solr")
            .stopAtShutdown(false) // our own hook stops Solr first, then logging
            .withPortRetryTime(1000) // fail fast if the port is taken
            .build();
    JettySolrRunner solr = new JettySolrRunner(home.toString(), config);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Launcher: stopping Solr");
                  try {
                    solr.stop();
                  } catch (Exception e) {
                    System.err.println("Launcher: error while stopping Solr: " + e);
                  } finally {
                    stopped.countDown();
                    System.out.println("Launcher: Solr stopped");
                    LogManager.shutdown();
                  }
                },
                "solr-shutdown"));

    try {
      solr.start();
    } catch (Exception e) {
      System.err.println(
          "Launcher: Solr did not start on 127.0.0.1:" + port + ": " + e
              + " (see solr.log in -Dsolr.log.dir)");
      System.exit(1);
    }
    // JettySolrRunner only logs a failed CoreContainer start ("Could not start Solr"), so check.
    CoreContainer cores = solr.getCoreContainer();
    if (cores == null || cores.isShutDown()) {
      System.err.println(
          "Launcher: Jetty is up but Solr did not start; see solr.log in -Dsolr.log.dir");
      System.exit(1);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "Launcher: Solr %s up on http://127.0.0.1:%d/solr (home %s, %d cores, %d ms)%n",
        org.apache.solr.client.api.util.SolrVersion.LATEST_STRING,
        solr.getLocalPort(),
        home,
        cores.getAllCoreNames().size(),
        ms);
    System.out.flush();
    stopped.await();
  }
}
