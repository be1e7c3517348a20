// Handlers run in-process and environment variables are process-wide, so one local stack runs in
// this process at a time: every collection that starts one (FixtureStackCollection,
// RealTemplateCollection, StartupErrorCollection) disables parallelization, so xunit runs them one
// after another once the rest is done. The rest (`up` and moto in processes of their own, a
// scripted server, plain logic) runs side by side, two at a time on this 2-core build machine.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
