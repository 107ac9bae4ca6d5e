#!/usr/bin/env python3
"""Counts files and hops on the path of one cut-layer tensor through one MPSL step over gRPC.

The path is written out by hand below, one entry per place the step's data passes through, in call
order, from the client's StepBegin to the client's optimizer step (docs/ARCHITECTURE.md). A hop is a
move from one project file to another along it; files are the distinct project files on it. Library
code (DJL, gRPC, protobuf) is not counted. Run: python3 docs/step-path.py
"""

BEFORE = """
ClientRunner MpslClient ClientSplitStep EpochOrder ClientSplitStep Dataset ClientSplitStep BatchTensors
ClientSplitStep ClientModel ClientSplitStep TensorCodec ClientSplitStep MpslClient ClientRunner
SplitLearningService SessionStream Admission Session Admission
MpslServer StepPhases Session StepPhases ActivationBatch ClientTensors TensorCodec ClientTensors ActivationBatch
StepPhases ActivationBatch ClientTensors ActivationBatch Autograd ActivationBatch ClientTensors StepPhases
ClientTensors ActivationBatch StepPhases MpslServer ServerModel MpslServer CutLayerReplies TensorCodec
CutLayerReplies Session SplitLearningService
ClientRunner MpslClient ClientSplitStep TensorCodec ClientSplitStep Losses Autograd ClientSplitStep TensorCodec
ClientSplitStep MpslClient ClientRunner
SplitLearningService SessionStream Admission Session Admission
MpslServer StepPhases Session StepPhases ClientTensors TensorCodec ClientTensors StepPhases ClientTensors StepPhases
MpslServer Autograd MpslServer Adam MpslServer CutLayerReplies TensorCodec CutLayerReplies Session
SplitLearningService
ClientRunner MpslClient ClientSplitStep TensorCodec ClientSplitStep Autograd ClientSplitStep Adam
"""

AFTER = """
ClientRunner MpslClient WireClientStep ClientSplitStep EpochOrder ClientSplitStep Dataset ClientSplitStep
BatchTensors ClientSplitStep ClientModel ClientSplitStep WireClientStep TensorCodec WireClientStep MpslClient
ClientRunner
SplitLearningService SessionStream Admission Session Admission
EpochLoop SplitStepRunner GrpcCohort StepPhases ReplyCollector Session ReplyCollector StepPhases ActivationBatch
ClientTensors TensorCodec ClientTensors ActivationBatch CutBatch ActivationBatch StepPhases GrpcCohort
SplitStepRunner CutBatch SplitStepRunner ServerSplitStep ServerModel ServerSplitStep SplitStepRunner GrpcCohort
CutLayerReplies TensorCodec CutLayerReplies Session SplitLearningService
ClientRunner MpslClient WireClientStep TensorCodec WireClientStep ClientSplitStep OutputLoss Losses Autograd
OutputLoss ClientSplitStep WireClientStep TensorCodec WireClientStep MpslClient ClientRunner
SplitLearningService SessionStream Admission Session Admission
GrpcCohort StepPhases ReplyCollector Session ReplyCollector StepPhases ClientTensors TensorCodec ClientTensors
StepPhases GrpcCohort SplitStepRunner ServerSplitStep Autograd ServerSplitStep Adam ServerSplitStep SplitStepRunner
GrpcCohort CutLayerReplies TensorCodec CutLayerReplies Session SplitLearningService
ClientRunner MpslClient WireClientStep TensorCodec WireClientStep ClientSplitStep Autograd ClientSplitStep Adam
"""

IN_MEMORY = """
SplitStepRunner InMemoryCohort ClientSplitStep EpochOrder ClientSplitStep Dataset ClientSplitStep BatchTensors
ClientSplitStep ClientModel ClientSplitStep InMemoryCohort SplitStepRunner CutBatch SplitStepRunner ServerSplitStep
ServerModel ServerSplitStep SplitStepRunner InMemoryCohort ClientSplitStep OutputLoss Losses Autograd OutputLoss
ClientSplitStep InMemoryCohort SplitStepRunner ServerSplitStep Autograd ServerSplitStep Adam ServerSplitStep
SplitStepRunner InMemoryCohort ClientSplitStep Autograd ClientSplitStep Adam
"""


def count(path):
  steps = path.split()
  return len(set(steps)), sum(1 for a, b in zip(steps, steps[1:]) if a != b)


for name, path in (("before (gRPC)", BEFORE), ("after (gRPC)", AFTER), ("after (in-memory port)", IN_MEMORY)):
  files, hops = count(path)
  print(f"{name}: {files} files, {hops} hops")
