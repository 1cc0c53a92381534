// The kernel module: every export is a pure function over raw pointers into the imported memory.
// No allocations happen here (the stub runtime is never called), so several threads can
// instantiate this module over one shared memory.
export { gatherPacked, packBlocks, listNonZeros, listChanges, gatherRows, transpose, columnSums, countNonZeros } from './matmul';
export { lifForward, lifBackward } from './lif';
export { bernoulliThresholds, bernoulliEncode, transposeLists } from './spikes';
export { sgdUpdate, adamUpdate } from './optim';
export { convSpikes, convDense, convBackInput, convSpikesWeightGrad, convDenseWeightGrad } from './conv';
export { poolSpikes, poolDense, poolBack, channelSums } from './pool';
export { convWeightGradRegs } from './conv-grad';
export { spikeDeltas } from './deltas';
export { gatherDelta, packSigned, packSuffix, transposeDeltaLists, gatherSigned } from './gather-delta';
export { convSpikesDelta, convSpikesWeightGradDelta, convLifBackwardDelta } from './conv-delta';
export { convByPosition, convByPositionDelta, convBackByPosition } from './conv-channels';
