/** Runs a configuration with the server-side tap and scores each attack against the clients' real labels and inputs. */
package org.mpsl4j.privacy.audit;
