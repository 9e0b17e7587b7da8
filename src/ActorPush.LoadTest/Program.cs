using ActorPush.LoadTest;

return await LoadCommandLine.InvokeAsync(args, LoadProgram.RunAsync, BenchSummary.Run);
