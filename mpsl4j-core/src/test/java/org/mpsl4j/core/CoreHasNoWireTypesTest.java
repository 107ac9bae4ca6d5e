package org.mpsl4j.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The core is transport-agnostic: no class of it may depend on gRPC, protobuf or the wire protocol. */
final class CoreHasNoWireTypesTest {
  @Test
  void core_dependsOnNoGrpcProtobufOrProtocolType() {
    JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.mpsl4j.core");
    noClasses().should().dependOnClassesThat().resideInAnyPackage("io.grpc..", "com.google.protobuf..",
        "org.mpsl4j.protocol..", "org.mpsl4j.engine..")
        .because("the split step must run the same over any transport (docs/ARCHITECTURE.md)")
        .check(core);
  }
}
