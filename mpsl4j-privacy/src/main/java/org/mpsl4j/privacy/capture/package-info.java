/** A gRPC tap on the server's side of each session, and the per-client, per-step view of what it recorded. */
package org.mpsl4j.privacy.capture;
