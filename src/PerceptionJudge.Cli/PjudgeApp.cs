using System.CommandLine;
using PerceptionJudge.Cli.Bench;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Cli.Math;
using PerceptionJudge.Cli.Model;
using PerceptionJudge.Cli.Ppjd;
using PerceptionJudge.Cli.Profile;
using PerceptionJudge.Data;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli;

/// <summary>
/// The <c>pjudge</c> command tree and its exit-code policy:
/// 0 success; 3 a comparison found a difference (bench compare, model compare); 2 user error (bad command line, bad input, a failed batch line, a missing Open MPI under mpirun),
/// printed as ONE line <c>error: field[row]: message</c> on stderr (a missing command adds the list of commands
/// after it); 1 internal error, printed with its stack trace (never hidden).
/// Writers are injected so tests run the whole command in-process.
/// </summary>
internal sealed class PjudgeApp
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const int UserError = 2;

    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly MathOpTable _ops;

    public PjudgeApp(TextWriter stdout, TextWriter stderr, MathOpTable? ops = null)
    {
        _stdout = stdout;
        _stderr = stderr;
        _ops = ops ?? MathOpTable.CreateDefault();
    }

    public int Run(string[] args)
    {
        var backend = new Option<string?>("--backend")
        {
            Description = "Kernel backend, chosen once at start: cpu (default), reference, vulkan or ilgpu (CUDA; PJ_ILGPU_DEVICE=cpu for ILGPU's CPU accelerator); vulkan and ilgpu run their ported kernels only",
            Recursive = true,
        };
        backend.AcceptOnlyFromAmong("cpu", "reference", "vulkan", "ilgpu");
        var root = new RootCommand("pjudge: PerceptionJudge kernels and tools from the command line") { backend };
        root.Add(InfoCommand.Create(_stdout));
        root.Add(MathCommand.Create(_ops, _stdout, _stderr));
        root.Add(PpjdCommand.Create(_stdout, _stderr));
        root.Add(DemoCommand.Create(_stdout, _stderr));
        root.Add(Train.TrainCommand.Create(_stdout));
        root.Add(Train.PretrainCommand.Create(_stdout, _stderr));
        root.Add(Train.EvalCommand.Create(_stdout));
        root.Add(Train.ReportCommand.Create(_stdout));
        root.Add(BenchCommand.Create(_stdout, _stderr));
        root.Add(ProfileCommand.Create(_stdout));
        root.Add(ModelCommand.Create(_stdout));

        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                var command = parse.CommandResult.Command;
                return command.Subcommands.Count > 0 && command.Action is null
                    ? ListCommands(command)
                    : Fail(parse.Errors[0].Message);
            }

            SelectBackend(parse.GetValue(backend));
            var config = new InvocationConfiguration
            {
                Output = _stdout,
                Error = _stderr,
                EnableDefaultExceptionHandler = false,
            };
            return parse.Invoke(config);
        }
        catch (Exception e) when (e is CliInputException or KernelInputException or DataException
            or Training.TrainingException or Eval.EvalException or PerceptionJudge.Model.ModelException
            or Distributed.DistributedException)
        {
            return Fail(e.Message);
        }
        catch (Torch.TorchException e) when (e.IsRuntimeMissing)
        {
            // libtorch / libLibTorchSharp missing or unloadable: the message names the file and the fix.
            return Fail(e.Message);
        }
        catch (NotSupportedException e) when (KernelBackend.Current is Backend.Vulkan or Backend.Ilgpu)
        {
            // A kernel not yet ported to GLSL or ILGPU: the message names it and lists what is ported.
            return Fail(e.Message);
        }
        catch (Exception e)
        {
            _stderr.WriteLine($"internal error (a bug, please report): {e}");
            return InternalError;
        }
    }

    private void SelectBackend(string? name)
    {
        // Always select, so an in-process run never inherits a previous run's choice; print only an explicit one.
        KernelBackend.Select(name switch
        {
            "reference" => Backend.Reference,
            "vulkan" => Backend.Vulkan,
            "ilgpu" => Backend.Ilgpu,
            _ => Backend.Cpu,
        });
        if (name is not null)
        {
            _stderr.WriteLine($"backend: {KernelBackend.Current.ToString().ToLowerInvariant()}");
        }
    }

    /// <summary>A command that needs a subcommand got none (<c>pjudge</c> alone): the one error line, then the
    /// subcommands with their descriptions, on stderr; a user error like any bad command line.</summary>
    private int ListCommands(Command command)
    {
        string path = command is RootCommand ? "pjudge" : $"pjudge {command.Name}";
        _stderr.WriteLine($"error: {path}: no command given; the commands are:");
        int width = command.Subcommands.Max(c => c.Name.Length) + 2;
        foreach (var sub in command.Subcommands)
        {
            _stderr.WriteLine($"  {sub.Name.PadRight(width)}{sub.Description}");
        }

        _stderr.WriteLine($"run '{path} <command> --help' for one command's options");
        return UserError;
    }

    private int Fail(string message)
    {
        _stderr.WriteLine($"error: {JsonInput.OneLine(message)}");
        return UserError;
    }
}
