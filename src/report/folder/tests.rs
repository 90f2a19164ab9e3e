use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn write_set(dir: &Path, text: &str) -> anyhow::Result<()> {
    write_file(&dir.join("scorecard.csv"), text.as_bytes())?;
    write_file(&dir.join("run.json"), text.as_bytes())
}

#[test]
fn a_new_set_replaces_the_old_one_whole_and_keeps_the_users_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let folder = OutputFolder::claim(&out, 0).unwrap();
    folder.replace_with(|dir| write_set(dir, "old")).unwrap();
    std::fs::write(out.join("matrix.csv"), "from an older run").unwrap();
    std::fs::write(out.join("ghi-chu.txt"), "the user's note").unwrap();
    folder.replace_with(|dir| write_set(dir, "new")).unwrap();
    assert_eq!(names(&out), ["ghi-chu.txt", "run.json", "scorecard.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("run.json")).unwrap(),
        "new"
    );
    // Nothing is left beside the folder but its lock.
    assert_eq!(names(tmp.path()), [".out.lock", "out"]);
}

#[test]
fn a_failed_write_leaves_the_previous_set_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let folder = OutputFolder::claim(&out, 0).unwrap();
    folder.replace_with(|dir| write_set(dir, "old")).unwrap();
    let failed: anyhow::Result<()> = folder.replace_with(|dir| {
        write_file(&dir.join("scorecard.csv"), b"new")?;
        anyhow::bail!("disk full")
    });
    assert!(failed.is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("scorecard.csv")).unwrap(),
        "old"
    );
    assert_eq!(names(tmp.path()), [".out.lock", "out"]);
}

#[test]
fn what_a_killed_run_left_is_cleaned_and_a_half_swap_undone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Killed between the two renames of a non-atomic swap.
    std::fs::create_dir(tmp.path().join(".out.old")).unwrap();
    std::fs::write(tmp.path().join(".out.old/run.json"), "old").unwrap();
    std::fs::create_dir(tmp.path().join(".out.staging")).unwrap();
    std::fs::write(tmp.path().join(".out.staging/run.json"), "new").unwrap();
    let folder = OutputFolder::claim(&out, 0).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("run.json")).unwrap(),
        "old"
    );
    assert_eq!(names(tmp.path()), [".out.lock", "out"]);
    drop(folder);
    // Temporary files of earlier versions inside the folder go too.
    std::fs::write(out.join(".report.html.1234.tmp"), "x").unwrap();
    let _folder = OutputFolder::claim(&out, 0).unwrap();
    assert_eq!(names(&out), ["run.json"]);
}

#[test]
fn bad_output_folders_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("scorecard.csv");
    std::fs::write(&file, "x").unwrap();
    assert!(check_out(&file).unwrap_err().message.contains("is a file"));
    let foreign = tmp.path().join("documents");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("letter.docx"), "x").unwrap();
    assert!(
        check_out(&foreign)
            .unwrap_err()
            .message
            .contains("did not write")
    );
    let here = std::env::current_dir().unwrap();
    assert!(
        check_out(&here)
            .unwrap_err()
            .message
            .contains("current folder")
    );
    assert!(check_out(Path::new("/")).is_err());
    assert_eq!(names(tmp.path()), ["documents", "scorecard.csv"]);
}

#[test]
fn a_second_process_cannot_claim_a_folder_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let _first = OutputFolder::claim(&out, 0).unwrap();
    let second = OutputFolder::claim(&out, 0).unwrap_err();
    assert!(second.to_string().contains("another audit"), "{second}");
}

#[test]
fn no_room_on_disk_is_said_before_the_crawl() {
    let tmp = tempfile::tempdir().unwrap();
    let err = OutputFolder::claim(&tmp.path().join("out"), u64::MAX).unwrap_err();
    assert!(err.to_string().contains("not enough free space"), "{err}");
}

#[test]
fn stray_temporary_names() {
    assert!(is_stray_temp(".run.json.4242.tmp"));
    assert!(!is_stray_temp("run.json"));
    assert!(!is_stray_temp(".notes.tmp"));
}
