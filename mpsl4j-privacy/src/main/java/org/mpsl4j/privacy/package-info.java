/**
 * What the MPSL server can learn from its own messages, measured: {@code capture} records every message at the
 * server's transport boundary, {@code attack} holds label and input attacks that read only such a record (plus what
 * the server itself holds: its model, its seeds, the replies it sent), and {@code audit} runs a configuration with
 * the tap in place and scores every attack against the clients' real labels and inputs.
 */
package org.mpsl4j.privacy;
