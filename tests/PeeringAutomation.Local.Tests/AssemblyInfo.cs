// Handlers run in-process and environment variables are process-wide, so one local stack runs at
// a time; running collections one after another also keeps this 2-core build machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
